/* First instructions of every hart. OpenSBI enters in S-mode with a0 = hartid. */
#include "asm.h"

	.section .text.entry
	.globl _start
_start:
	/*
	 * Only the first hart here boots. OpenSBI 1.1 marks a hart it starts
	 * through HSM as pending before it stores the start address, so a
	 * secondary that wakes in between comes here, with a1 = the device tree,
	 * instead of to _start_secondary (seen about once in 80 boots with 4
	 * harts). It must not clear .bss: it takes the struct cpu that
	 * start_secondaries() left for its hart id and goes where it was sent.
	 */
	la	t0, boot_claimed
	li	t1, 1
	amoswap.w.aqrl t1, t1, (t0)
	bnez	t1, early_secondary
	/* Boot hart: a1 = device tree. Clear .bss, then C on a small boot stack. */
	la	t0, __bss_start
	la	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:	la	sp, boot_stack_top
	call	kmain
3:	wfi
	j	3b

early_secondary:
	li	t0, HARTID_TABLE
	bgeu	a0, t0, 3b		/* not a hart we start */
	la	t0, cpu_of_hart
	slli	t1, a0, 3
	add	t0, t0, t1
5:	ld	a1, 0(t0)
	fence	r, rw
	bnez	a1, _start_secondary
	wfi
	j	5b

	.text
	/*
	 * Secondary harts, started through SBI HSM with paging off:
	 * a0 = hartid, a1 = this hart's struct cpu (opaque). Turn paging on first,
	 * because the hart stack lives in the mapped stack window.
	 */
	.globl _start_secondary
_start_secondary:
	la	t0, kernel_satp
	ld	t0, 0(t0)
	csrw	satp, t0
	sfence.vma zero, zero
	ld	sp, CPU_STACK_TOP(a1)
	mv	a0, a1
	call	secondary_main
4:	wfi
	j	4b

	/* void call_on_stack(uint64_t sp, void (*fn)(void *), void *arg): never returns. */
	.globl call_on_stack
call_on_stack:
	mv	sp, a0
	mv	a0, a2
	jr	a1

	.section .data
	.balign 4
boot_claimed:			/* in .data: the boot hart clears .bss */
	.word	0

	.section .bss
	.balign 16
	.space	16384
boot_stack_top:
