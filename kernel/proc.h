/* Harts, processes and the saved user registers. */
#ifndef KERNEL_PROC_H
#define KERNEL_PROC_H

#include <stdint.h>
#include "param.h"
#include "riscv.h"
#include "spinlock.h"
#include <vdsos/abi.h>
#include <vdsos/vdso.h>

/* Saved user state, one page per process, mapped at TRAPFRAME (asm.h offsets). */
struct trapframe {
	uint64_t kernel_satp; /* kernel page table, for uservec */
	uint64_t kernel_sp;   /* this hart's stack top */
	uint64_t kernel_trap; /* usertrap() */
	uint64_t epc;         /* user pc */
	uint64_t kernel_tp;   /* this hart's tp (struct cpu's TLS block) */
	uint64_t x[32];       /* x[n] is register xn; x[0] unused */
};

#define REG_SP       2
#define REG_A0       10
#define REG_A1       11
#define REG_A2       12
#define REG_A7       17

#define CPU_TLS_SIZE 256 /* picolibc's TLS (errno); main.c checks __tls_size fits */

/* Per-hart state. tp points at tls[], so mycpu() is one subtraction. */
struct cpu {
	uint64_t stack_top; /* asm.h CPU_STACK_TOP: must stay first */
	int id;             /* logical index: 0 is the boot hart */
	uint64_t hartid;
	struct proc *proc;  /* running on this hart, or NULL */
	int noff;           /* depth of push_off() */
	int intena;         /* were interrupts on before the first push_off()? */
	int idle;           /* in wfi, waiting for an interrupt */
	struct proc *next;  /* rung by the process leaving this hart: runs here next if asleep */
	int started;        /* set once this hart runs its scheduler */
	int kpoll_due;      /* a process rang the kernel in this trap */
	uint64_t next_tick; /* time of the next scheduler tick */
	uint64_t ticks;
	uint64_t fast_waits; /* doorbell WAITs taken by sched_wait_fast() */
	uint8_t tls[CPU_TLS_SIZE] __attribute__((aligned(16)));
};

extern struct cpu cpus[NCPU_MAX];
extern int ncpu;

static inline struct cpu *mycpu(void)
{
	uintptr_t tp;
	/* Not volatile: tp is fixed while kernel code runs on a hart (nothing
	 * moves to another), so repeated calls may share one read. */
	__asm__("mv %0, tp" : "=r"(tp));
	return (struct cpu *)(tp - __builtin_offsetof(struct cpu, tls));
}

enum procstate {
	P_UNUSED,
	P_EMBRYO,   /* being built by spawn */
	P_RUNNABLE, /* on the run queue */
	P_RUNNING,  /* on a hart */
	P_BLOCKED,  /* waiting in the doorbell for messages */
	P_STOPPED,  /* exited or killed; the reaper will tear it down */
	P_ZOMBIE,   /* torn down; exit status kept for the parent */
	P_KERNEL,   /* slot 0: stands for the kernel (parent of what it spawns) */
};

/* Why a process ended: exited normally, or killed (and how). */
enum exit_reason {
	EXIT_NORMAL = VDS_EXIT_NORMAL,
	EXIT_FAULT = VDS_EXIT_FAULT, /* a trap it could not survive: scause/stval/sepc say which */
	EXIT_KILLED = VDS_EXIT_KILLED,       /* kill() by an ancestor or the kernel */
	EXIT_BAD_ECALL = VDS_EXIT_BAD_ECALL, /* an ecall from outside the vDSO doorbell */
};

struct exitinfo {
	int32_t code;   /* exit(code), or -1 when killed */
	int32_t reason; /* enum exit_reason */
	uint64_t scause, stval, sepc;
};

/* A sleep system call in progress (sys_io.c), in its handler's frame. */
struct ksleeper {
	struct vds_event ev;
	struct ksleeper *next;
};

struct proc {
	struct spinlock lock;
	enum procstate state;
	int pid;
	int slot; /* index in proc[] */
	char name[PROC_NAME_LEN];
	struct proc *parent; /* NULL when the kernel spawned it */
	struct trapframe *tf;
	pagetable_t pagetable;
	uint64_t satp;           /* satp for pagetable (usertrapret) */
	uint64_t heap_base, brk; /* heap: [heap_base, brk) */
	uint64_t vdso_base;
	int killed;       /* stop at the next trap */
	int wake_pending; /* rung while not sleeping: its next doorbell WAIT returns at once */
	int sleep_req;    /* asked, in this trap, to sleep until rung (doorbell WAIT) */
	int yield_req;    /* go to the back of the run queue at the next trap */
	int cpu;          /* hart index running it, or -1 */
	struct exitinfo exit;
	struct proc *rq_next; /* run queue / reaper list link */
	uint64_t ticks;       /* timer ticks spent running: preemption tests read it */
	uint64_t doorbells;   /* doorbell ecalls: the only traps it asked for */
	/* Replies the kernel owes it: requests accepted and not yet answered
	 * into its queue. At most VDS_CALLS_MAX (kernel/syscall.c refuses
	 * more), so the ones that wait for room always fit in pend[]. */
	uint32_t owed;
	uint32_t pend_head, pend_n;
	uint32_t blocking;         /* its calls in flight that block (each one a coroutine) */
	const struct vds_qref *kq; /* the kernel's record of its queue (kqueue.c) */
	struct vds_obstate *kob;   /* &kob[slot], the kernel's outbox toward it: every reply
	                              uses it, and this saves the multiply (kqueue.c) */
	struct ksleeper *sleeps;   /* its sleep calls in progress (signalled at teardown) */
	struct vds_sqe pend[VDS_CALLS_MAX];
};

extern struct proc proc[NPROC];
extern struct proc *const kernel_proc;

/*
 * pid -> process, or NULL. Every system call looks its sender up, and
 * every doorbell the process it rings: the usual case, the map's entry,
 * is inline; two live pids that share an entry go to proc_by_pid_slow()
 * (proc.c).
 */
#define PIDMAP 256
extern struct proc *pidmap[PIDMAP];
struct proc *proc_by_pid_slow(int pid);

static inline struct proc *proc_by_pid(int pid)
{
	struct proc *p = pidmap[(uint32_t)pid % PIDMAP];
	/* pid > 0: a slot being freed or reused on another hart may show pid 0
	 * before its state says so (freeproc, allocproc). */
	if (p != NULL && pid > 0 && p->pid == pid && p->state != P_UNUSED)
		return p;
	return proc_by_pid_slow(pid);
}

/*
 * Spin locks (spinlock.h), inline here because they need struct cpu: a
 * trap that puts one process to sleep and runs another takes two, and a
 * call and a return, and a stack frame for the checks' panic, were a third
 * of their cost. The checks stay: taking a lock twice, releasing one not
 * held, or unbalanced push_off/pop_off panic (spinlock.c says why).
 *
 * push_off/pop_off are intr_off/intr_on that nest: interrupts come back on
 * only at the outermost pop_off, and only if they were on before it all.
 */
static inline __attribute__((always_inline)) void push_off(void)
{
	int old = intr_get();
	intr_off();
	struct cpu *c = mycpu();
	if (c->noff == 0)
		c->intena = old;
	c->noff++;
}

static inline __attribute__((always_inline)) void pop_off(void)
{
	struct cpu *c = mycpu();
	if (intr_get() || c->noff < 1)
		lock_misuse(intr_get() ? "pop_off: interrupts on" : "pop_off: not pushed", NULL);
	if (--c->noff == 0 && c->intena)
		intr_on();
}

/*
 * Does this hart hold lk? Its holder alone writes lk->cpu: itself just
 * after taking the lock, 0 just before letting it go. So lk->cpu names
 * this hart exactly while this hart holds lk, and `locked` need not be
 * read (another hart's writes are of another cpu, or 0, and aligned
 * pointers are written whole). Plain stores write it: GCC 12 makes an
 * atomic store an amoswap and an address add.
 */
static inline __attribute__((always_inline)) int holding(const struct spinlock *lk)
{
	return __atomic_load_n(&lk->cpu, __ATOMIC_RELAXED) == mycpu();
}

/* The lock itself, without push_off/pop_off (acquire, acquire_irqs_off). */
static inline __attribute__((always_inline)) void lock_take(struct spinlock *lk)
{
	if (holding(lk))
		lock_misuse("acquire: already held by this hart", lk);
	/* acquire: pairs with the release in release(); the critical section
	 * cannot move above this point. */
	while (__atomic_exchange_n(&lk->locked, 1, __ATOMIC_ACQUIRE) != 0)
		;
	lk->cpu = mycpu();
}

static inline __attribute__((always_inline)) void lock_drop(struct spinlock *lk)
{
	if (!holding(lk))
		lock_misuse("release: not held", lk);
	lk->cpu = 0;
	/* release: pairs with acquire(); publishes the critical section's stores. */
	__atomic_store_n(&lk->locked, 0, __ATOMIC_RELEASE);
}

static inline __attribute__((always_inline)) void acquire(struct spinlock *lk)
{
	push_off(); /* an interrupt handler taking this lock on this hart would deadlock */
	lock_take(lk);
}

static inline __attribute__((always_inline)) void release(struct spinlock *lk)
{
	lock_drop(lk);
	pop_off();
}

/*
 * The same, for code that runs with interrupts off and holds the lock
 * with them off: the scheduler and the way from a trap back to a process
 * (sched.c). There push_off/pop_off would only count, as interrupts are
 * off already and stay off. A lock taken with acquire_irqs_off() is
 * dropped with release_irqs_off(); either one with interrupts on panics.
 */
static inline __attribute__((always_inline)) void acquire_irqs_off(struct spinlock *lk)
{
	if (intr_get())
		lock_misuse("acquire_irqs_off: interrupts on", lk);
	lock_take(lk);
}

static inline __attribute__((always_inline)) void release_irqs_off(struct spinlock *lk)
{
	if (intr_get()) /* as pop_off() would have found */
		lock_misuse("release_irqs_off: interrupts on", lk);
	lock_drop(lk);
}

#endif
