/*
 * The trampoline page: mapped at TRAMPOLINE in the kernel's page table and in
 * every process's, so it keeps running while satp switches between them.
 * uservec saves the user's registers in the process's trapframe (mapped at
 * TRAPFRAME, no U bit) and enters usertrap() on this hart's stack;
 * userret(satp) is the way back.
 */
#include "asm.h"

#define TRAPFRAME_VA 0x3FFFFFE000 /* memlayout.h TRAPFRAME; checked in trap.c */

	.section .trampoline, "ax"
	.globl trampoline
trampoline:
	.balign 4
	.globl uservec
uservec:
	csrw	sscratch, a0
	li	a0, TRAPFRAME_VA
	.irp n, 1,2,3,4,5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	sd	x\n, TF_X(\n)(a0)
	.endr
	csrr	t0, sscratch
	sd	t0, TF_X(10)(a0)

	ld	sp, TF_KSP(a0)
	ld	tp, TF_KTP(a0)
	ld	t0, TF_KTRAP(a0)
	ld	t1, TF_KSATP(a0)
	sfence.vma zero, zero   /* user memory accesses complete before the switch */
	csrw	satp, t1
	sfence.vma zero, zero
	jr	t0              /* usertrap(): does not return here */

	/* userret(a0 = user satp) */
	.globl userret
userret:
	sfence.vma zero, zero
	csrw	satp, a0
	sfence.vma zero, zero
	li	a0, TRAPFRAME_VA
	.irp n, 1,2,3,4,5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	ld	x\n, TF_X(\n)(a0)
	.endr
	ld	a0, TF_X(10)(a0)
	sret
