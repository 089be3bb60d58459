/*
 * Process entry. The kernel starts a process with a0 = argc, a1 = argv and
 * a2 = the base of this process's vDSO (our AT_SYSINFO_EHDR), sp 16-aligned.
 * picolibc's own crt0 writes M-mode CSRs, so programs use this one.
 */
	.section .text.start
	.globl _start
_start:
	li	ra, 0          /* end of the call chain for debuggers */
	li	fp, 0
	call	__vds_start    /* never returns */
1:	j	1b
