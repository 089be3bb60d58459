/* SBI calls: timer, IPIs, remote fences, hart start, and the early console. */
#include "sbi.h"

struct sbiret sbi_call(uint64_t ext, uint64_t fid, uint64_t a0, uint64_t a1, uint64_t a2)
{
	register uint64_t r_a3 __asm__("a3") = 0; /* RFENCE: size 0 with start_addr 0 means all */
	register uint64_t r_a0 __asm__("a0") = a0;
	register uint64_t r_a1 __asm__("a1") = a1;
	register uint64_t r_a2 __asm__("a2") = a2;
	register uint64_t r_a6 __asm__("a6") = fid;
	register uint64_t r_a7 __asm__("a7") = ext;
	__asm__ volatile("ecall"
	                 : "+r"(r_a0), "+r"(r_a1)
	                 : "r"(r_a2), "r"(r_a3), "r"(r_a6), "r"(r_a7)
	                 : "memory");
	return (struct sbiret){ .error = (long)r_a0, .value = (long)r_a1 };
}

/* Legacy extension 0x01: the console before the UART is set up. */
void sbi_console_putchar(int c)
{
	sbi_call(SBI_EXT_LEGACY_PUTCHAR, 0, (uint64_t)c, 0, 0);
}

void sbi_set_timer(uint64_t when)
{
	sbi_call(SBI_EXT_TIME, 0, when, 0, 0);
}

/* hart_mask is relative to hart_mask_base: send to exactly one hart. */
void sbi_send_ipi(uint64_t hartid)
{
	sbi_call(SBI_EXT_IPI, 0, 1, hartid, 0);
}

/* Flush every hart's TLB (hart_mask_base = -1 means all harts). */
void sbi_remote_sfence_vma_all(void)
{
	sbi_call(SBI_EXT_RFENCE, 1, 0, (uint64_t)-1, 0);
}

long sbi_hart_start(uint64_t hartid, uint64_t start, uint64_t opaque)
{
	return sbi_call(SBI_EXT_HSM, 0, hartid, start, opaque).error;
}
