/*
 * System calls as SQEs. The kernel's poller coroutine (the vDSO's, started
 * by kexec_init) pops queue 0 in batches; for each message it asks
 * ksys_accept() whether the sender is who it claims to be; then it hands the
 * message to the handler coroutine waiting for that op.
 *
 * One handler coroutine waits per system call. It wakes with a request,
 * and if the call may block (blocks = 1 in syscalls.def), first starts its
 * successor to wait for the next request of that op — so a sleep, a console
 * read or a wait for a child never holds up anyone else's calls — then
 * serves the request, replies, and ends. A handler of a call that never
 * blocks simply loops.
 */
#include <string.h>
#include "defs.h"
#include <vdsos/sys.h>

#define KSTASH      256 /* requests waiting for a handler coroutine to pick them up */
#define REJECT_LOGS 8   /* log only the first few rejected messages */

static struct vds_sqe kstash[KSTASH];
static uint64_t rejected;

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

static void reject(const struct vds_sqe *m, const char *why)
{
	if (rejected++ < REJECT_LOGS)
		kprintf("kernel: rejected message op %u claiming pid %d: %s\n", m->op, m->sender,
		        why);
}

/*
 * Host op `accept`, for every message popped from queue 0 (the poller's
 * own copy: the kernel never reads the shared cell again). The sender id,
 * sequence number and MAC are checked against what the kernel gave that
 * process; a message that fails is dropped without a reply (a forged one
 * must not make its claimed sender receive anything).
 */
int ksys_accept(struct vds_sqe *m)
{
	struct proc *p = proc_by_pid(m->sender);
	if (m->flags & VDS_SQE_REPLY) {
		reject(m, "a reply; the kernel asked nothing");
		return 0;
	}
	if (p == NULL || p->state == P_ZOMBIE || p->state == P_EMBRYO) {
		reject(m, "no such process");
		return 0;
	}
	if (m->seq <= p->msg_seq) {
		reject(m, "replayed or out of order");
		return 0;
	}
	if (VDS(sqe_mac)(p->key, m) != m->mac) {
		reject(m, "bad authentication tag");
		return 0;
	}
	p->msg_seq = m->seq;
	if (m->op == 0 || m->op >= VDS_NSYS) {
		ksys_reply(m, -VDS_ENOSYS, NULL);
		return 0;
	}
	return 1;
}

uint64_t ksys_rejected(void)
{
	return rejected;
}

/*
 * Answer request m with result (and rep's other arguments, if rep is not
 * NULL), through the kernel's own record of the sender's queue. If the
 * sender's queue is full, the reply is retried later; if the sender is gone,
 * it is dropped.
 */
void ksys_reply(const struct vds_sqe *m, int64_t result, struct vds_sqe *rep)
{
	if (m->flags & VDS_SQE_NOREPLY)
		return;
	struct vds_sqe r = rep ? *rep : (struct vds_sqe){ 0 };
	r.op = m->op;
	r.flags = VDS_SQE_REPLY;
	r.tag = m->tag;
	r.arg[0] = (uint64_t)result;
	kq_send_or_later(m->sender, &r, VDS_KERNEL_ID);
}

static void serve(void *arg)
{
	int op = (int)(intptr_t)arg;
	const struct ksys *s = &ksys[op];
	for (;;) {
		struct vds_sqe m;
		VDS(recv)(-1, op, &m);
		int successor = s->blocks && kspawn(serve, arg, s->name) >= 0;
		struct proc *p = proc_by_pid(m.sender);
		if (p != NULL) {
			int64_t r = s->fn(p, &m);
			if (r != KSYS_NO_REPLY)
				ksys_reply(&m, r, NULL);
		}
		if (successor)
			return; /* it waits for the next request; this one is done */
	}
}

/* Start the kernel's messaging and one handler coroutine per system call. */
void syscall_init(void)
{
	void *stack = kstack_alloc(KCORO_STACK_PAGES);
	if (stack == NULL || VDS(msg_init)(stack, KCORO_STACK_PAGES * PGSIZE, kstash, KSTASH) < 0)
		panic("cannot start the kernel's poller");
	for (int op = 1; op < VDS_NSYS; op++)
		if (kspawn(serve, (void *)(intptr_t)op, ksys[op].name) < 0)
			panic("cannot start the %s handler", ksys[op].name);
}
