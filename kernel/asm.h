/* Offsets shared by assembly and C; C checks each with a static assertion. */
#ifndef KERNEL_ASM_H
#define KERNEL_ASM_H

/* struct cpu */
#define CPU_STACK_TOP 0

/* cpu_of_hart[]: hart ids below this can be started as secondaries */
#define HARTID_TABLE 64

/* struct trapframe: five kernel words, then x0..x31 indexed by register number */
#define TF_KSATP 0
#define TF_KSP   8
#define TF_KTRAP 16
#define TF_EPC   24
#define TF_KTP   32
#define TF_X(n)  (40 + 8 * (n))

#endif
