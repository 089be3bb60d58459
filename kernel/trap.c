/*
 * Traps. From U-mode: uservec (trampoline.S) saved the registers in the
 * trapframe and we run on this hart's stack; the process has no kernel stack
 * of its own, so every way out of usertrap() is userret or the scheduler.
 * From S-mode: kernelvec saved the caller-saved registers; only interrupts
 * are expected there.
 */
#include "defs.h"
#include "asm.h"
#include "fdt.h"
#include "memlayout.h"

extern char trampoline[], uservec[], userret[];
void kernelvec(void);
void usertrap(void);

_Static_assert(__builtin_offsetof(struct trapframe, kernel_satp) == TF_KSATP, "trapframe");
_Static_assert(__builtin_offsetof(struct trapframe, kernel_sp) == TF_KSP, "trapframe");
_Static_assert(__builtin_offsetof(struct trapframe, kernel_trap) == TF_KTRAP, "trapframe");
_Static_assert(__builtin_offsetof(struct trapframe, epc) == TF_EPC, "trapframe");
_Static_assert(__builtin_offsetof(struct trapframe, kernel_tp) == TF_KTP, "trapframe");
_Static_assert(__builtin_offsetof(struct trapframe, x) == TF_X(0), "trapframe");
_Static_assert(TRAPFRAME == 0x3FFFFFE000UL, "trampoline.S hard-codes TRAPFRAME");
_Static_assert(__builtin_offsetof(struct cpu, stack_top) == CPU_STACK_TOP, "struct cpu");

/* Where uservec and userret are mapped (TRAMPOLINE): set once by trapinit(). */
static uint64_t uservec_va, userret_va;

void trapinit(void)
{
	uservec_va = TRAMPOLINE + (uint64_t)(uservec - trampoline);
	userret_va = TRAMPOLINE + (uint64_t)(userret - trampoline);
}

/* What a new process p's trapframe and return to U-mode need that never
 * changes, written once here rather than at every return. */
void usertrap_init(struct proc *p)
{
	p->tf->kernel_satp = kernel_satp;
	p->tf->kernel_trap = (uint64_t)usertrap;
	p->satp = MAKE_SATP(p->pagetable);
}

void trapinithart(void)
{
	csr_write(stvec, (uint64_t)kernelvec);
	csr_set(sie, SIE_SSIE | SIE_STIE | SIE_SEIE);
	/* U-mode may read cycle, time and instret (benchmarks, clock in the vDSO). */
	csr_write(scounteren, SCOUNTEREN_CY | SCOUNTEREN_TM | SCOUNTEREN_IR);
}

/* Interrupt causes: returns 1 for a scheduler tick, 2 for another interrupt, 0 if none. */
static int devintr(uint64_t scause)
{
	if (!(scause & SCAUSE_INTR))
		return 0;
	switch (scause & ~SCAUSE_INTR) {
	case IRQ_S_TIMER:
		return timer_intr() ? 1 : 2;
	case IRQ_S_SOFT:
		/* An IPI: it only ends a wfi or forces a trap; the scheduler does the rest. */
		csr_clear(sip, SIE_SSIE);
		return 2;
	case IRQ_S_EXT: {
		int irq = plic_claim();
		if (irq == (int)bootinfo.uart_irq)
			uart_intr();
		if (irq)
			plic_complete(irq);
		return 2;
	}
	default:
		return 0;
	}
}

static const char *cause_name(uint64_t scause)
{
	switch (scause) {
	case EXC_INST_MISALIGNED:
		return "instruction address misaligned";
	case EXC_INST_ACCESS:
		return "instruction access fault";
	case EXC_ILLEGAL_INST:
		return "illegal instruction";
	case EXC_BREAKPOINT:
		return "breakpoint";
	case EXC_LOAD_MISALIGNED:
		return "load address misaligned";
	case EXC_LOAD_ACCESS:
		return "load access fault";
	case EXC_STORE_MISALIGNED:
		return "store address misaligned";
	case EXC_STORE_ACCESS:
		return "store access fault";
	case EXC_INST_PAGE_FAULT:
		return "instruction page fault";
	case EXC_LOAD_PAGE_FAULT:
		return "load page fault";
	case EXC_STORE_PAGE_FAULT:
		return "store page fault";
	default:
		return "unexpected exception";
	}
}

/* A trap the process cannot survive: say so on one line and stop it. */
void proc_fault(struct proc *p, int reason, uint64_t scause, uint64_t stval, uint64_t sepc)
{
	const char *what =
	    reason == EXIT_BAD_ECALL ? "ecall outside the vDSO doorbell" : cause_name(scause);
	kprintf("killed pid %d (%s): %s, scause %lu stval 0x%lx sepc 0x%lx\n", p->pid, p->name,
	        what, scause, stval, sepc);
	p->exit = (struct exitinfo){
		.code = -1, .reason = reason, .scause = scause, .stval = stval, .sepc = sepc
	};
	/* atomic: sched_after_trap() reads it without the lock */
	__atomic_store_n(&p->killed, 1, __ATOMIC_RELAXED);
}

void usertrap(void)
{
	csr_write(stvec, (uint64_t)kernelvec);
	struct cpu *c = mycpu();
	struct proc *p = c->proc;
	uint64_t scause = csr_read(scause);
	int tick = 0;

	p->tf->epc = csr_read(sepc);
	if (scause == EXC_ECALL_U) {
		p->tf->epc += 4;
		user_ecall(p);
	} else if ((tick = devintr(scause)) != 0) {
		if (tick == 1)
			p->ticks++;
	} else {
		proc_fault(p, EXIT_FAULT, scause, csr_read(stval), p->tf->epc);
	}
	sched_after_trap(p, tick == 1);
}

/* Back to user mode in process p on this hart. */
void usertrapret(struct proc *p)
{
	struct cpu *c = mycpu();
	intr_off(); /* stvec points at uservec from here until sret */
	csr_write(stvec, uservec_va);

	/* (kernel_satp and kernel_trap never change: usertrap_init) */
	p->tf->kernel_sp = c->stack_top;
	p->tf->kernel_tp = (uint64_t)c->tls;

	uint64_t s = csr_read(sstatus);
	s &= ~(SSTATUS_SPP | SSTATUS_FS | SSTATUS_SUM); /* to U-mode, FPU off */
	s |= SSTATUS_SPIE;                              /* interrupts on in U-mode */
	csr_write(sstatus, s);
	csr_write(sepc, p->tf->epc);

	void (*ret)(uint64_t) = (void (*)(uint64_t))userret_va;
	ret(p->satp);
	__builtin_unreachable();
}

/* Interrupts while in S-mode. An exception here is a kernel bug. */
void kerneltrap(void)
{
	uint64_t scause = csr_read(scause), sepc = csr_read(sepc), sstatus = csr_read(sstatus);
	if (!(sstatus & SSTATUS_SPP))
		panic("kerneltrap: not from S-mode");
	if (devintr(scause) == 0)
		panic("kernel trap: %s (scause %lu) stval 0x%lx sepc 0x%lx", cause_name(scause),
		      scause, csr_read(stval), sepc);
	/* devintr may have caused nested traps: put back what sret needs. */
	csr_write(sepc, sepc);
	csr_write(sstatus, sstatus);
}
