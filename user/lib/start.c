/*
 * C start-up for user programs: TLS, then link against the vDSO (whose base
 * the kernel passes in a2, as Linux passes AT_SYSINFO_EHDR), then main(),
 * then exit.
 */
#include <stdint.h>
#include <string.h>
#include <vdsos/vdso.h>
#include "ulib.h"

extern char __tdata_start[], __tdata_end[];
int main(int argc, char **argv);

static uint8_t tls_block[256] __attribute__((aligned(16))); /* linker/user.ld checks the size */

static void *no_stack(size_t size)
{
	(void)size;
	return NULL;
}

static void no_free(void *base, size_t size)
{
	(void)base, (void)size;
}

static uint64_t clock_ns(void)
{
	uint64_t t;
	__asm__ volatile("rdtime %0" : "=r"(t));
	return t * 100; /* QEMU virt: 10 MHz timebase */
}

static const struct vds_host_ops user_host_ops = {
	.stack_alloc = no_stack,
	.stack_free = no_free,
	.notify = NULL,
	.clock_ns = clock_ns,
};

uintptr_t __vds_base;

void __vds_start(int argc, char **argv, uintptr_t vdso_base)
{
	size_t tdata = (size_t)(__tdata_end - __tdata_start);
	memcpy(tls_block, __tdata_start, tdata);
	__asm__ volatile("mv tp, %0" ::"r"(tls_block));
	__vds_base = vdso_base;
	const char *missing;
	if (vds_link(vdso_base, &vds, &missing) < 0 || VDS(init)(&user_host_ops) < 0 ||
	    VDS(q_attach)(VDS(getpid)()) < 0) {
		console_write("vdso: cannot link: ", 19);
		console_write(missing ? missing : "init", strlen(missing ? missing : "init"));
		console_write("\n", 1);
		exit(127);
	}
	exit(main(argc, argv));
}
