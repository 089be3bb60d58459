/*
 * Virtual address layout (Sv39: 39-bit addresses, only the lower half used).
 *
 * Kernel page table                      Process page table
 *   0x0000_0010_0000  MMIO (identity)      0x0000_0001_0000  program text, data, heap
 *   0x0000_8000_0000  RAM (identity)       ...               heap grows by up to UHEAP_MAX
 *   KSTACK_BASE       stacks + guards      USTACK_TOP        main stack (grows down)
 *   KVDSO_BASE        the kernel's vDSO    UVDSO_MIN..MAX    the vDSO, random base
 *   TRAMPOLINE        trap entry page      TRAPFRAME         saved registers (no U bit)
 *                                          TRAMPOLINE        trap entry page (no U bit)
 */
#ifndef KERNEL_MEMLAYOUT_H
#define KERNEL_MEMLAYOUT_H

#include "riscv.h"

#define MAXVA       (1UL << 38) /* one bit less than Sv39's 39, to avoid sign extension */
#define TRAMPOLINE  (MAXVA - PGSIZE)
#define TRAPFRAME   (TRAMPOLINE - PGSIZE)

#define KSTACK_BASE 0x3000000000UL /* kernel stacks, each above an unmapped guard page */
#define KSTACK_END  0x3800000000UL
#define KVDSO_BASE  0x3E00000000UL /* where the kernel maps its own view of the vDSO */

#define USER_BASE   0x10000UL      /* programs are linked here (linker/user.ld) */
#define USTACK_TOP  0x1000000000UL /* 64 GiB */
#define UVDSO_MIN   0x2000000000UL /* a process's vDSO base is random in [MIN, MAX) */
#define UVDSO_MAX   0x3C00000000UL

#endif
