/*
 * Scheduling. Each hart loops in scheduler(): the kernel hart (cpu 0) first
 * serves the kernel's queue (kpoll, syscall.c) and runs the kernel's
 * coroutines (the executor in the vDSO), then any hart that runs processes
 * takes the next one from a global FIFO run queue. With two or more harts,
 * cpu 0 is dedicated to the kernel (FlexSC: system calls are served there
 * without the caller trapping: it polls the queue a while before it
 * sleeps); with one hart, the kernel serves its queue in every trap, so a
 * process's doorbell trap is also where its call is answered.
 *
 * A process has no kernel stack: its whole state is its trapframe, so a hart
 * leaves a process simply by not returning to it.
 *
 * The scheduler, and the way from a trap back to a process, run with
 * interrupts off (they come on only for a moment, in kexec_drive() and
 * idle(), with no lock held): the process locks taken here need no
 * push_off/pop_off (acquire_irqs_off, proc.h).
 */
#include "defs.h"
#include "fdt.h"

static struct {
	struct spinlock lock;
	struct proc *head, *tail;
	int n;
} runq = { .lock = SPINLOCK_INIT("runq") };

int kexec_dedicated;     /* cpu 0 runs only kernel coroutines */
uint64_t sched_handoffs; /* processes run through a hart's `next` (proc_wake's handoff) */

static int runs_processes(struct cpu *c)
{
	return !(kexec_dedicated && c->id == 0);
}

/* Wake one idle hart that runs processes (an IPI ends its wfi), for what
 * runq_push_quiet() queued. */
void runq_kick(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* pairs with the fence in idle() */
	for (int i = 0; i < ncpu; i++) {
		struct cpu *c = &cpus[i];
		if (runs_processes(c) && __atomic_load_n(&c->idle, __ATOMIC_RELAXED)) {
			if (c != mycpu())
				sbi_send_ipi(c->hartid);
			return;
		}
	}
}

/* Queue p; the caller's hart is about to look for work itself. */
void runq_push_quiet(struct proc *p)
{
	acquire(&runq.lock);
	p->rq_next = NULL;
	if (runq.tail)
		runq.tail->rq_next = p;
	else
		runq.head = p;
	runq.tail = p;
	runq.n++;
	release(&runq.lock);
}

/* Queue p and wake an idle hart to run it. */
void runq_push(struct proc *p)
{
	runq_push_quiet(p);
	runq_kick();
}

static struct proc *runq_pop(void)
{
	acquire(&runq.lock);
	struct proc *p = runq.head;
	if (p) {
		runq.head = p->rq_next;
		if (runq.head == NULL)
			runq.tail = NULL;
		runq.n--;
	}
	release(&runq.lock);
	return p;
}

static int runq_waiting(void)
{
	return __atomic_load_n(&runq.n, __ATOMIC_RELAXED) > 0;
}

/* The kernel executor has new work: make sure cpu 0 looks at it soon. */
void sched_kick_kernel(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* pairs with the fence in idle() */
	struct cpu *c0 = &cpus[0];
	if (c0 != mycpu() && __atomic_load_n(&c0->idle, __ATOMIC_RELAXED))
		sbi_send_ipi(c0->hartid);
}

/* Run the kernel's ready coroutines (cpu 0 only), with interrupts on. */
static void kexec_drive(void)
{
	for (int round = 0; round < 64 && VDS(exec_has_work)(); round++) {
		intr_on();
		int ran = VDS(exec_run)();
		intr_off();
		if (ran == 0)
			break;
	}
}

static int have_work(struct cpu *c)
{
	if (c->id == 0 && (VDS(exec_has_work)() || kpoll_pending()))
		return 1;
	return runs_processes(c) && runq_waiting();
}

#define SPIN_NS 200000 /* a dedicated kernel hart polls this long before sleeping */

/*
 * Sleep until an interrupt. The idle flag is set before the last look for
 * work, and wakers fence before reading it, so a wake-up is never missed.
 * For cpu 0 the kernel queue's need_wakeup is that flag too (the SQPOLL
 * handshake: set it, look once more, sleep; senders publish, look at it,
 * ring).
 */
static void idle(struct cpu *c)
{
	if (c->id == 0 && kexec_dedicated)
		kpoll_need_wakeup(1);
	__atomic_store_n(&c->idle, 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!have_work(c))
		wfi(); /* returns on any pending enabled interrupt, even with SIE off */
	__atomic_store_n(&c->idle, 0, __ATOMIC_RELAXED);
	if (c->id == 0)
		kpoll_need_wakeup(0);
	intr_on(); /* take the pending interrupt now */
	intr_off();
}

/* Called by the hart that ran p, with p->lock held: p will not run again. */
static void stop_locked(struct proc *p)
{
	p->state = P_STOPPED;
	p->cpu = -1;
	reaper_push(p);
}

static void run(struct cpu *c, struct proc *p)
{
	p->state = P_RUNNING;
	p->cpu = c->id;
	c->proc = p;
	release_irqs_off(&p->lock);
	usertrapret(p);
}

/* Run p, runnable and on no queue, on this hart (does not return), or stop
 * it if it was killed meanwhile (then return). */
static void run_or_stop(struct cpu *c, struct proc *p)
{
	acquire_irqs_off(&p->lock);
	if (p->killed) {
		stop_locked(p);
		release_irqs_off(&p->lock);
		return;
	}
	run(c, p);
}

/* The process rung with handoff in this trap (proc_wake), if any. */
static struct proc *take_next(struct cpu *c)
{
	struct proc *p = c->next;
	c->next = NULL;
	return p;
}

/*
 * The process leaving this hart rang c->next with handoff: if it still
 * sleeps, wake it by running it here at once (does not return). If it
 * woke meanwhile (another hart runs it, or it is queued), leave it a
 * wake-up as proc_wake() would, and return. A sleeping process is never
 * one being killed (proc_kill queues it), so there is nothing to stop.
 */
static void run_next(struct cpu *c)
{
	struct proc *p = take_next(c);
	acquire_irqs_off(&p->lock);
	if (p->state == P_BLOCKED) {
		__atomic_fetch_add(&sched_handoffs, 1, __ATOMIC_RELAXED);
		run(c, p); /* does not return */
	} else if (p->state == P_RUNNING || p->state == P_RUNNABLE) {
		p->wake_pending = 1;
	}
	release_irqs_off(&p->lock);
}

/*
 * cpu 0 with a hart of its own serves the kernel's queue in
 * kpoll_forever(); between its rounds: run the kernel's coroutines; with
 * nothing to do, poll the queue a while (each look a few instructions,
 * which the plugin counts apart: docs/BENCH.md), and only then sleep, so
 * that steady callers never have to ring.
 */
void kernel_hart_rest(struct cpu *c)
{
	if (VDS(exec_has_work)())
		kexec_drive();
	if (!VDS(q_wait)(SPIN_NS)) /* returns at once if something came */
		idle(c);
}

void scheduler(void)
{
	struct cpu *c = mycpu();
	c->proc = NULL;
	if (c->id == 0 && kexec_dedicated)
		kpoll_forever(c);
	for (;;) {
		if (c->id == 0) {
			kpoll();
			kexec_drive();
		}
		if (c->next)
			run_next(c);
		struct proc *p = runs_processes(c) ? runq_pop() : NULL;
		if (p) {
			run_or_stop(c, p); /* returns only if p was killed */
			continue;
		}
		idle(c);
	}
}

/*
 * End of usertrap(): back to p, or on to another process. p leaves the hart
 * if it sleeps in the doorbell, asked to yield, used up its slice while
 * others wait, or — on one hart — if the kernel has work: then p goes to the
 * back of the queue first, so that kernel coroutines that wake it (a reply)
 * find it already off this hart.
 *
 * p becomes BLOCKED here, in the same critical section in which this hart
 * lets go of it: a waker (proc_wake, holding p->lock) sees either a running
 * p, and leaves it a wake-up, or a blocked p no hart holds, and queues it.
 * Never a p that two harts would run.
 *
 * If p rang a process with handoff as it left (c->next: its server, say,
 * or its client), the hart switches to that one at once, past the run
 * queue and the scheduler's loop; if p stays after all, that one is woken
 * the usual way. (Most of these, a WAIT(id) with nothing else going on,
 * never get here: sched_wait_fast() takes them first, by the same steps.)
 */
void sched_after_trap(struct proc *p, int tick)
{
	struct cpu *c = mycpu();
	if (c->id == 0 && !kexec_dedicated && (c->kpoll_due || tick)) {
		/* one hart: the kernel serves its queue in the trap that rang it */
		int rung = c->kpoll_due;
		c->kpoll_due = 0;
		if (rung)
			kpoll_serve();
		else
			kpoll();
	}
	int kernel_turn = c->id == 0 && !kexec_dedicated && VDS(exec_has_work)();
	/*
	 * The usual trap, a system call or a doorbell that neither sleeps nor
	 * woke anyone to run here: p goes straight back, and nothing it does
	 * needs p->lock. p->killed is read without it: a proc_kill() on
	 * another hart that sets it after this look finds p RUNNING here and
	 * sends an IPI, so p traps again at once (at the latest, the next tick
	 * takes the locked way below). The same holds for yield_req, which
	 * ksys_yield() sets on the kernel's hart.
	 */
	if (!p->sleep_req && !__atomic_load_n(&p->yield_req, __ATOMIC_RELAXED) && !tick &&
	    !kernel_turn && c->next == NULL && !__atomic_load_n(&p->killed, __ATOMIC_RELAXED))
		usertrapret(p);
	acquire_irqs_off(&p->lock);
	if (p->killed) {
		stop_locked(p);
		release_irqs_off(&p->lock);
		scheduler();
	}
	if (p->sleep_req) {
		p->sleep_req = 0;
		if (p->wake_pending)
			p->wake_pending = 0; /* rung between its last look and now: go on */
		else
			p->state = P_BLOCKED;
	}
	if (p->state == P_BLOCKED || p->yield_req || (tick && runq_waiting()) || kernel_turn) {
		p->yield_req = 0;
		int queued = p->state == P_RUNNING;
		if (queued) {
			p->state = P_RUNNABLE;
			runq_push_quiet(p);
		}
		p->cpu = -1;
		c->proc = NULL;
		release_irqs_off(&p->lock);
		if (queued)
			runq_kick(); /* after the release, as in proc_wake() */
		if (c->next && !kernel_turn)
			run_next(c); /* returns only if it was awake already */
		scheduler();
	}
	release_irqs_off(&p->lock);
	/* p stays: the one it rang is woken the usual way after all. */
	if (c->next)
		proc_wake(take_next(c), 0);
	usertrapret(p);
}

/*
 * The doorbell's fast path (seL4 has one for its IPC): p rings process id
 * and sleeps in the same trap (WAIT(id): a client that sent a request, a
 * server that sent a reply), and nothing else is going on. Then p sleeps
 * and id runs here at once, by the very steps the general way takes for
 * this case (user_ecall's ring() with handoff, sched_after_trap() parking
 * p, run_next()), without its calls and its other cases. Anything
 * unusual (the kernel has work here, p was rung or killed or asked to
 * yield, id is p or nobody) returns at once, having changed nothing, and
 * the general way runs. A change to when sched_after_trap() parks a
 * process belongs here too.
 */
void sched_wait_fast(struct proc *p, int id)
{
	struct cpu *c = mycpu();
	if (c->next || (c->id == 0 && !kexec_dedicated && (c->kpoll_due || VDS(exec_has_work)())))
		return;
	struct proc *q = proc_by_pid(id);
	if (q == NULL || q == p)
		return;
	acquire_irqs_off(&p->lock);
	if (p->killed || p->yield_req || p->wake_pending) {
		release_irqs_off(&p->lock);
		return;
	}
	p->state = P_BLOCKED;
	p->cpu = -1;
	c->proc = NULL;
	release_irqs_off(&p->lock);
	c->fast_waits++;
	c->next = q;
	run_next(c); /* returns only if q was awake already */
	scheduler();
}

/* Stop p at its next trap (or now, if it is not running). */
void proc_kill(struct proc *p, const struct exitinfo *why)
{
	acquire(&p->lock);
	if (p->killed || p->state == P_STOPPED || p->state == P_ZOMBIE || p->state == P_UNUSED) {
		release(&p->lock);
		return;
	}
	p->exit = *why;
	/* atomic: sched_after_trap() reads it without the lock */
	__atomic_store_n(&p->killed, 1, __ATOMIC_RELAXED);
	if (p->state == P_RUNNING && p->cpu >= 0 && &cpus[p->cpu] != mycpu())
		sbi_send_ipi(cpus[p->cpu].hartid); /* force a trap there */
	else if (p->state == P_BLOCKED) {
		p->state = P_RUNNABLE; /* the scheduler will stop it instead of running it */
		runq_push(p);
	}
	release(&p->lock);
}

/* A new process is ready to run. */
void proc_start(struct proc *p)
{
	acquire(&p->lock);
	p->state = P_RUNNABLE;
	runq_push(p);
	release(&p->lock);
}
