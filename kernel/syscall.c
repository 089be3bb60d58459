/*
 * System calls as SQEs. The kernel's queue (id 0) is served by one loop,
 * the poller, a coroutine on cpu 0's executor:
 *
 *   pop a batch      each message copied out of its sender's outbox once;
 *                    the sender is the outbox's owner (vdso/outbox.c)
 *   for each         look the sender up, check its limit and the op, then
 *                      a call that never blocks runs here and is answered,
 *                      a call that may block (sleep, read, wait) gets a
 *                      coroutine of its own, which answers when done
 *   after the batch  wake each process that got replies, once
 *   nothing to do    poll a while (a dedicated hart), then sleep
 *
 * So a sleep, a console read or a wait for a child never holds up anyone
 * else's calls, and the calls that cannot block cost no coroutine at all.
 */
#include <string.h>
#include "defs.h"
#include <vdsos/sys.h>

#define BATCH        32
#define BLOCKING_MAX 16     /* blocking calls in flight per process */
#define SPIN_NS      200000 /* a dedicated poller hart polls this long before sleeping */

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
static struct co_event kick = CO_EVENT_INIT; /* the poller sleeps on it */

/* Wake the poller (ring_queue(0): a process's doorbell, or a kernel send). */
void kpoll_kick_now(void)
{
	VDS(event_signal)(&kick);
}

/* Answer request m from p with result. Every request that wants a reply
 * (owed) gets exactly one, unless its sender is gone. */
static void answer(struct proc *p, const struct vds_sqe *m, int64_t result)
{
	if (m->flags & VDS_SQE_NOREPLY)
		return;
	if (result == KSYS_NO_REPLY) {
		p->owed--;
		return;
	}
	struct vds_sqe r = { .op = m->op, .flags = VDS_SQE_REPLY, .tag = m->tag };
	r.arg[0] = (uint64_t)result;
	kq_reply(p, &r);
}

/* A call that may block, in a coroutine of its own. */
struct blocking {
	struct vds_sqe m;
	int pid;
};

static void blocking_call(void *arg)
{
	struct blocking *b = arg;
	struct proc *p = proc_by_pid(b->pid);
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

/* One request, as the poller popped it: m->sender is its true sender. */
static void serve(const struct vds_sqe *m)
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

/* Nothing in the queue: poll a while on a dedicated hart, then sleep until
 * a sender rings (the SQPOLL handshake: need_wakeup, look again, sleep). A
 * claim at the head that is not yet published, or replies waiting for
 * room, make it sleep one tick at most. */
static void poller_idle(void)
{
	if (kexec_dedicated) {
		uint64_t until = now_ns() + SPIN_NS;
		for (int i = 0; VDS(q_empty)() && !VDS(exec_has_work)(); i++)
			if ((i & 15) == 15 && now_ns() > until)
				break;
		if (!VDS(q_empty)() || VDS(exec_has_work)())
			return;
	}
	VDS(q_set_need_wakeup)(1); /* then look once more */
	int stuck = !VDS(q_empty)();
	if (!stuck && VDS(exec_has_work)()) {
		VDS(q_set_need_wakeup)(0);
		return;
	}
	if (stuck || kq_pending(NULL) > 0)
		kwait_event_timeout(&kick, 1000000000ULL / TICK_HZ);
	else
		VDS(event_wait)(&kick);
	VDS(q_set_need_wakeup)(0);
}

static void poller(void *arg)
{
	(void)arg;
	struct vds_sqe batch[BATCH];
	for (;;) {
		int n = VDS(pop_multiple)(batch, BATCH);
		for (int i = 0; i < n; i++)
			serve(&batch[i]);
		kq_flush();
		if (kq_pending(NULL) > 0)
			kq_retry_replies();
		if (VDS(exec_has_work)())
			VDS(co_yield)(); /* the blocking calls and the reaper run on this hart too */
		else if (n == 0)
			poller_idle();
	}
}

/* Start serving the kernel's queue. */
void syscall_init(void)
{
	if (VDS(q_attach)(VDS_KERNEL_ID) < 0 || kspawn(poller, NULL, "poller") < 0)
		panic("cannot start the kernel's poller");
}

/* What the poller saw (tests, ps). */
void ksys_stats(struct ksys_stats *out)
{
	*out = stats;
}
