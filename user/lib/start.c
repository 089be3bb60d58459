/* C start-up for user programs: TLS, stdio, then main(), then exit. */
#include <stdint.h>
#include <string.h>
#include "ulib.h"

extern char __tdata_start[], __tdata_end[];
int main(int argc, char **argv);

static uint8_t tls_block[256] __attribute__((aligned(16))); /* linker/user.ld checks the size */

void __vds_start(int argc, char **argv, uintptr_t vdso_base)
{
	(void)vdso_base;
	size_t tdata = (size_t)(__tdata_end - __tdata_start);
	memcpy(tls_block, __tdata_start, tdata);
	__asm__ volatile("mv tp, %0" ::"r"(tls_block));
	exit(main(argc, argv));
}
