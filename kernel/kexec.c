/*
 * The kernel's side of the vDSO executor: the host ops it installs (stacks
 * from the guarded stack window, wake-ups by IPI to cpu 0, the clock).
 */
#include "defs.h"

static void *kstack_op(size_t size)
{
	return kstack_alloc(PGROUNDUP(size) / PGSIZE);
}

static void kstack_free_op(void *base, size_t size)
{
	kstack_free(base, PGROUNDUP(size) / PGSIZE, -1);
}

static const struct vds_host_ops kernel_host_ops = {
	.stack_alloc = kstack_op,
	.stack_free = kstack_free_op,
	.notify = sched_kick_kernel,
	.clock_ns = now_ns,
};

void kexec_init(void)
{
	vds_exec_init(&kernel_host_ops);
}

/* Start a kernel coroutine with the standard stack size. */
int kspawn(void (*fn)(void *), void *arg, const char *name)
{
	return vds_co_spawn(fn, arg, name, KCORO_STACK_PAGES * PGSIZE);
}
