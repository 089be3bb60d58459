/* Calls into OpenSBI (the M-mode firmware) through the SBI v0.2+ calling
 * convention, and the legacy console putchar. */
#ifndef KERNEL_SBI_H
#define KERNEL_SBI_H

#include <stdint.h>

#define SBI_EXT_LEGACY_PUTCHAR 0x01
#define SBI_EXT_TIME           0x54494D45 /* "TIME" */
#define SBI_EXT_IPI            0x735049   /* "sPI" */
#define SBI_EXT_RFENCE         0x52464E43 /* "RFNC" */
#define SBI_EXT_HSM            0x48534D   /* "HSM" */

struct sbiret {
	long error;
	long value;
};

struct sbiret sbi_call(uint64_t ext, uint64_t fid, uint64_t a0, uint64_t a1, uint64_t a2);
void sbi_console_putchar(int c);
void sbi_set_timer(uint64_t when);
void sbi_send_ipi(uint64_t hartid);
void sbi_remote_sfence_vma_all(void);
long sbi_hart_start(uint64_t hartid, uint64_t start, uint64_t opaque);

#endif
