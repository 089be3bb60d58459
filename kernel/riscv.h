/* RISC-V privileged-architecture helpers: CSR access, bit names, page-table entries. */
#ifndef KERNEL_RISCV_H
#define KERNEL_RISCV_H

#include <stdint.h>

#define csr_read(csr)                                           \
	({                                                      \
		uint64_t __v;                                   \
		__asm__ volatile("csrr %0, " #csr : "=r"(__v)); \
		__v;                                            \
	})
#define csr_write(csr, v)    __asm__ volatile("csrw " #csr ", %0" ::"rK"((uint64_t)(v)))
#define csr_set(csr, bits)   __asm__ volatile("csrs " #csr ", %0" ::"rK"((uint64_t)(bits)))
#define csr_clear(csr, bits) __asm__ volatile("csrc " #csr ", %0" ::"rK"((uint64_t)(bits)))

/* sstatus */
#define SSTATUS_SIE  (1UL << 1)  /* interrupts enabled in S-mode */
#define SSTATUS_SPIE (1UL << 5)  /* SIE before the trap */
#define SSTATUS_SPP  (1UL << 8)  /* trap came from S-mode (1) or U-mode (0) */
#define SSTATUS_FS   (3UL << 13) /* FPU state: kept Off, so FP in U-mode traps */
#define SSTATUS_SUM  (1UL << 18) /* S-mode may touch U pages: never set here */

/* sie / sip */
#define SIE_SSIE (1UL << 1) /* software (IPI) */
#define SIE_STIE (1UL << 5) /* timer */
#define SIE_SEIE (1UL << 9) /* external (PLIC) */

/* scause */
#define SCAUSE_INTR          (1UL << 63)
#define IRQ_S_SOFT           1
#define IRQ_S_TIMER          5
#define IRQ_S_EXT            9
#define EXC_INST_MISALIGNED  0
#define EXC_INST_ACCESS      1
#define EXC_ILLEGAL_INST     2
#define EXC_BREAKPOINT       3
#define EXC_LOAD_MISALIGNED  4
#define EXC_LOAD_ACCESS      5
#define EXC_STORE_MISALIGNED 6
#define EXC_STORE_ACCESS     7
#define EXC_ECALL_U          8
#define EXC_ECALL_S          9
#define EXC_INST_PAGE_FAULT  12
#define EXC_LOAD_PAGE_FAULT  13
#define EXC_STORE_PAGE_FAULT 15

/* scounteren: let U-mode read cycle, time and instret */
#define SCOUNTEREN_CY (1UL << 0)
#define SCOUNTEREN_TM (1UL << 1)
#define SCOUNTEREN_IR (1UL << 2)

/* Sv39 */
#define PGSIZE         4096UL
#define PGSHIFT        12
#define PGROUNDUP(a)   (((uint64_t)(a) + PGSIZE - 1) & ~(PGSIZE - 1))
#define PGROUNDDOWN(a) ((uint64_t)(a) & ~(PGSIZE - 1))
#define MEGAPAGE       (PGSIZE * 512) /* 2 MiB leaf at level 1 */

#define PTE_V          (1UL << 0)
#define PTE_R          (1UL << 1)
#define PTE_W          (1UL << 2)
#define PTE_X          (1UL << 3)
#define PTE_U          (1UL << 4)
#define PTE_G          (1UL << 5)
#define PTE_A          (1UL << 6)
#define PTE_D          (1UL << 7)
/* Software bit: the page is not owned by this page table (vDSO code and shared
 * data, the trampoline); tearing the table down must not free it. */
#define PTE_SHARED     (1UL << 8)

#define PTE2PA(pte)    (((pte) >> 10) << 12)
#define PA2PTE(pa)     ((((uint64_t)(pa)) >> 12) << 10)
#define PTE_FLAGS(pte) ((pte)&0x3FF)
#define PX(level, va)  ((((uint64_t)(va)) >> (PGSHIFT + 9 * (level))) & 0x1FF)

#define SATP_SV39      (8UL << 60)
#define MAKE_SATP(pt)  (SATP_SV39 | (((uint64_t)(pt)) >> 12))

typedef uint64_t pte_t;
typedef uint64_t *pagetable_t; /* 512 PTEs */

static inline void sfence_vma(void)
{
	__asm__ volatile("sfence.vma zero, zero" ::: "memory");
}

/* Both are compiler barriers too ("memory"): no load or store of a
 * section that must run with interrupts off may move across them. */
static inline void intr_on(void)
{
	__asm__ volatile("csrs sstatus, %0" ::"rK"(SSTATUS_SIE) : "memory");
}

static inline void intr_off(void)
{
	__asm__ volatile("csrc sstatus, %0" ::"rK"(SSTATUS_SIE) : "memory");
}

static inline int intr_get(void)
{
	return (csr_read(sstatus) & SSTATUS_SIE) != 0;
}

static inline uint64_t rdtime(void)
{
	return csr_read(time);
}

static inline uint64_t rdinstret(void)
{
	return csr_read(instret);
}

static inline void wfi(void)
{
	__asm__ volatile("wfi");
}

#endif
