/*
 * System calls as SQEs. The kernel's queue (id 0) is served by kpoll(),
 * plain kernel code that cpu 0 runs (sched.c): in its scheduler loop, and,
 * when there is only one hart, in the very trap a process makes to ring
 * the kernel's doorbell.
 *
 *   pop a batch      each message copied out of its sender's outbox once
 *                    (kpoll_serve: one, then a batch if there are more);
 *                    the sender is the outbox's owner (vdso/outbox.c)
 *   for each         look the sender up, check its limit and the op, then
 *                      a call that never blocks runs here and is answered,
 *                      a call that may block (sleep, read, wait) gets a
 *                      coroutine of its own, which answers when done
 *   after the batch  wake each process that got replies, once
 *
 * So a sleep, a console read or a wait for a child never holds up anyone
 * else's calls, and the calls that cannot block cost no coroutine at all.
 */
#include <string.h>
#include "defs.h"
#include <vdsos/sys.h>

#define BATCH 32

struct ksys {
	const char *name;
	int blocks;
	int64_t (*fn)(struct proc *p, const struct vds_sqe *m);
};

static const struct ksys ksys[VDS_NSYS] = {
#define SYS(nr, name, blocks, ret, params, args, doc) [nr] = { #name, blocks, ksys_##name },
#include <vdsos/syscalls.def>
#undef SYS
};

static struct ksys_stats stats;

/* Answer request m from p with result. Every request that wants a reply
 * (owed) gets exactly one, unless its sender is gone. */
static inline __attribute__((always_inline)) void answer(struct proc *p, const struct vds_sqe *m,
                                                         int64_t result)
{
	if (m->flags & VDS_SQE_NOREPLY)
		return;
	if (result == KSYS_NO_REPLY) {
		p->owed--;
		return;
	}
	kq_answer(p, m->op, m->tag, result);
}

/* A call that may block, in a coroutine of its own. */
struct blocking {
	struct vds_sqe m;
	int pid;
};

static void blocking_call(void *arg)
{
	struct blocking *b = arg;
	struct proc *p = proc_alive(b->pid);
	int64_t r = p ? ksys[b->m.op].fn(p, &b->m) : KSYS_NO_REPLY;
	/* p may have died while we blocked: look it up again (pids are never
	 * reused). Gone: nothing is owed any more (kq_unregister). */
	p = proc_by_pid(b->pid);
	if (p && p->state != P_ZOMBIE) {
		p->blocking--;
		answer(p, &b->m, r);
		kq_flush();
	}
	kfree_obj(b);
}

static void start_blocking(struct proc *p, const struct vds_sqe *m)
{
	struct blocking *b = NULL;
	if (p->blocking < BLOCKING_MAX)
		b = kmalloc(sizeof(*b));
	if (b == NULL) {
		stats.busy++;
		answer(p, m, -VDS_EAGAIN);
		return;
	}
	b->m = *m;
	b->pid = p->pid;
	if (kspawn(blocking_call, b, ksys[m->op].name) < 0) {
		kfree_obj(b);
		stats.busy++;
		answer(p, m, -VDS_EAGAIN);
		return;
	}
	p->blocking++;
}

/* One request, as the poller popped it: m->sender is its true sender.
 * (Inline: in the poller's loop it needs no frame of its own.) */
static inline __attribute__((always_inline)) void serve(const struct vds_sqe *m)
{
	struct proc *p = proc_by_pid(m->sender);
	if (p == NULL || p->state == P_EMBRYO || p->state == P_STOPPED || p->state == P_ZOMBIE) {
		stats.dead++; /* sent just before it died: nobody to answer */
		return;
	}
	if (m->flags & VDS_SQE_REPLY) {
		stats.bad++; /* the kernel asked nothing */
		return;
	}
	if (!(m->flags & VDS_SQE_NOREPLY)) {
		if (p->owed >= VDS_CALLS_MAX) {
			stats.over_limit++; /* more calls in flight than it may have */
			return;
		}
		p->owed++;
	}
	stats.served++;
	if (m->op == 0 || m->op >= VDS_NSYS) {
		answer(p, m, -VDS_ENOSYS);
		return;
	}
	if (ksys[m->op].blocks) {
		start_blocking(p, m);
		return;
	}
	answer(p, m, ksys[m->op].fn(p, m));
}

/* After a round: wake who got replies, and retry the replies that waited. */
static inline int kpoll_done(int n)
{
	if (kq_nring)
		kq_flush();
	if (kq_pending_total)
		kq_retry_replies(); /* replies that waited for room: at most once a tick */
	return n;
}

/* Pop a batch into batch[] and serve it: how many requests came. */
static inline __attribute__((always_inline)) int serve_batch(struct vds_sqe *batch)
{
	int n = VDS(pop_multiple)(batch, BATCH);
	for (int i = 0; i < n; i++)
		serve(&batch[i]);
	return kpoll_done(n);
}

/* The batches, after kpoll_serve()'s first request (or instead of it). */
static __attribute__((noinline)) int kpoll_serve_more(void)
{
	struct vds_sqe batch[BATCH];
	return serve_batch(batch);
}

/*
 * Serve what is in the kernel's queue now (cpu 0 only). Returns how many
 * requests came. The caller sleeps when it returns 0 and nothing else is
 * to be done, through the SQPOLL handshake (sched.c). kpoll_serve() pops
 * at once (the trap that rang the kernel on one hart calls it): one
 * request first, served without a batch's buffer and loop (on one hart a
 * call rings the kernel and is usually alone in its queue), then batches
 * if more came. kpoll() looks at the queue's head first, so that the
 * scheduler's look at an empty queue costs a few instructions, not a
 * batch's frame. A dedicated hart runs kpoll_forever() instead.
 */
int kpoll_serve(void)
{
	struct vds_sqe m;
	if (VDS(pop)(&m) != 1)
		return kpoll_serve_more();
	serve(&m);
	return VDS(q_empty)() ? kpoll_done(1) : 1 + kpoll_serve_more();
}

/*
 * cpu 0 with a hart of its own (sched.c): serve the kernel's queue for
 * ever, and between rounds let the scheduler run the kernel's coroutines
 * and wait for more (kernel_hart_rest). One frame for every round: a
 * batch buffer and a loop's registers set up per round would cost more
 * than a call that does not block (docs/BENCH.md).
 */
void kpoll_forever(struct cpu *c)
{
	struct vds_sqe batch[BATCH];
	for (;;) {
		serve_batch(batch);
		kernel_hart_rest(c);
	}
}

int kpoll(void)
{
	return kpoll_pending() ? kpoll_serve() : kpoll_done(0);
}

/* Is something waiting in the kernel's queue (or being written into it)? */
int kpoll_pending(void)
{
	return !VDS(q_empty)();
}

/* The kernel's poller sleeps (1) or polls (0): senders ring it only when it
 * sleeps. With one hart it never polls: processes ring, and it serves their
 * requests in the doorbell trap. */
void kpoll_need_wakeup(int on)
{
	VDS(q_set_need_wakeup)(on || !kexec_dedicated);
}

/* Start serving the kernel's queue. */
void syscall_init(void)
{
	if (VDS(q_attach)(VDS_KERNEL_ID) < 0)
		panic("cannot attach the kernel's queue");
	kpoll_need_wakeup(1);
}

/* What the poller saw (tests, ps). */
void ksys_stats(struct ksys_stats *out)
{
	*out = stats;
}
