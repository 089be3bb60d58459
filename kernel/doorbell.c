/*
 * The doorbell: the only trap a process makes (docs/IPC.md). Its one ecall
 * is at a known place in the vDSO (build/vdso/offsets.h); an ecall from
 * anywhere else kills the process (Zircon's rule). Operations:
 *
 *   WAKE(id)     wake the owner of queue id (the kernel's poller for id 0)
 *   WAIT(id)     wake id (if >= 0), then sleep until our queue gets a message
 *   YIELD(id)    wake id (if >= 0), then go to the back of the run queue
 *   CLASSIC      a classic trap system call that does nothing: the baseline
 *                the benchmark compares SQE system calls with
 */
#include "defs.h"
#include <vdsos/sys.h>
#include "vdso/offsets.h" /* generated: build/vdso/offsets.h */

/*
 * Wake p: make it runnable if it sleeps in the doorbell, else remember the
 * wake-up so that its next WAIT returns at once (no lost wake-up). With
 * handoff, the process in this trap is about to give up this hart (it
 * waits, or yields): p only becomes the hart's `next`, and
 * sched_after_trap() switches to it directly if it still sleeps then
 * (seL4's direct switch: a client and its server take turns on one hart
 * without the run queue), or wakes it the usual way if the caller stays.
 * Either way p's lock is taken once: the wake-up and the switch are one
 * step (run_next, sched.c).
 */
void proc_wake(struct proc *p, int handoff)
{
	struct cpu *c = mycpu();
	if (c->proc == p) {
		/* In its trap on this hart, about to decide whether it sleeps:
		 * no other hart can make it sleep or run meanwhile. */
		__atomic_store_n(&p->wake_pending, 1, __ATOMIC_RELAXED);
		return;
	}
	if (handoff && c->next == NULL) {
		c->next = p; /* woken, or run here, before this trap ends */
		return;
	}
	int queued = 0;
	acquire(&p->lock);
	if (p->state == P_BLOCKED) {
		p->state = P_RUNNABLE;
		runq_push_quiet(p);
		queued = 1;
	} else if (p->state == P_RUNNING || p->state == P_RUNNABLE) {
		p->wake_pending = 1;
	}
	release(&p->lock);
	/* The IPI (an SBI call) after the release: a hart that takes p from
	 * the run queue at once must not spin on p->lock meanwhile. With
	 * handoff, this hart looks for work itself in a moment. */
	if (queued && !handoff)
		runq_kick();
}

static void ring(int id, int handoff)
{
	if (id == VDS_KERNEL_ID) {
		mycpu()->kpoll_due = 1; /* one hart: serve it before leaving this trap */
		sched_kick_kernel();    /* more harts: cpu 0 serves the kernel's queue */
		return;
	}
	struct proc *p = proc_by_pid(id);
	if (p)
		proc_wake(p, handoff);
}

/* Ring the doorbell of queue id (the kernel's host op, and kq_send). */
void ring_queue(int id)
{
	ring(id, 0);
}

/* An ecall from U-mode. tf->epc already points past it. */
void user_ecall(struct proc *p)
{
	struct trapframe *tf = p->tf;
	uint64_t site = tf->epc - 4;
	if (site != p->vdso_base + VDSO_DOORBELL_ECALL || tf->x[REG_A7] != VDS_DOORBELL_MAGIC) {
		proc_fault(p, EXIT_BAD_ECALL, EXC_ECALL_U, 0, site);
		return;
	}
	long op = (long)tf->x[REG_A0], id = (long)tf->x[REG_A1];
	tf->x[REG_A0] = 0;
	p->doorbells++;
	if (op == VDS_DB_WAIT) { /* the usual one, tested first: p leaves this hart */
		if (id > 0)
			sched_wait_fast(p, (int)id); /* returns only if it does not apply */
		if (id >= 0)
			ring((int)id, 1); /* the one it wakes can run here */
		p->sleep_req = 1;         /* sched_after_trap() parks it, unless it was rung */
		return;
	}
	switch (op) {
	case VDS_DB_WAKE:
		ring((int)id, 0);
		break;
	case VDS_DB_YIELD:
		if (id >= 0)
			ring((int)id, 1);
		p->yield_req = 1;
		break;
	case VDS_DB_CLASSIC:
		break; /* trap in, dispatch, trap out: that is the whole point */
	default:
		tf->x[REG_A0] = (uint64_t)-VDS_EINVAL;
		break;
	}
}
