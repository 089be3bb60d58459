/*
 * Start-up for user programs. The kernel enters _start (crt0.S) with
 * a0 = argc, a1 = argv, a2 = the base of this process's vDSO (our
 * AT_SYSINFO_EHDR). Here: thread-local storage, link against the vDSO by
 * name, install the host ops (whose trap ops are the vDSO's own doorbell
 * functions), attach to our queue, start messaging, run main(), exit.
 */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <vdsos/sys.h>
#include "ulib.h"

#define POLLER_STACK (16 * 1024)

extern char __tdata_start[], __tdata_end[];
int main(int argc, char **argv);

static uint8_t tls_block[256] __attribute__((aligned(16))); /* linker/user.ld checks the size */
static uint8_t poller_stack[POLLER_STACK] __attribute__((aligned(16)));
static struct vds_host_ops host;

uintptr_t __vds_base;

static void *stack_alloc(size_t size)
{
	return memalign(16, size);
}

static void stack_free(void *base, size_t size)
{
	(void)size;
	free(base);
}

/* Before stdio works: write straight through the console system call. */
static void die(const char *what, const char *name)
{
	static char line[96];
	strcpy(line, "vdsos runtime: ");
	strncat(line, what, 40);
	strncat(line, name ? name : "", 32);
	strcat(line, "\n");
	if (VDS(call) != NULL)
		sys_write(line, strlen(line));
	sys_exit(127);
	for (;;)
		;
}

void __vds_start(int argc, char **argv, uintptr_t vdso_base)
{
	size_t tdata = (size_t)(__tdata_end - __tdata_start);
	memcpy(tls_block, __tdata_start, tdata);
	__asm__ volatile("mv tp, %0" ::"r"(tls_block));

	__vds_base = vdso_base;
	const char *missing;
	if (vds_link(vdso_base, &vds, &missing) < 0)
		for (;;)
			; /* no vDSO, no way to say so: the kernel's timer ends the slice */
	host = (struct vds_host_ops){
		.stack_alloc = stack_alloc,
		.stack_free = stack_free,
		.alloc = malloc,
		.free = free,
		.ring = VDS(db_wake), /* the vDSO's doorbell: the only traps we make */
		.idle = VDS(db_wait),
		.backoff = VDS(db_yield),
	};
	if (VDS(init)(&host) < 0 || VDS(q_attach)(VDS(getpid)()) < 0 ||
	    VDS(msg_init)(poller_stack, sizeof(poller_stack)) < 0)
		die("cannot start messaging", NULL);
	fd_init(argc, argv);
	exit(main(argc, argv));
}

/* picolibc's exit() ends here. */
void _exit(int code)
{
	stdio_flush();
	fd_close_all();
	sys_exit(code);
	for (;;)
		; /* the kernel stops us before the reply that never comes */
}
