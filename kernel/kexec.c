/*
 * The kernel's side of the vDSO executor: the host ops it installs (stacks
 * from the guarded stack window, wake-ups by IPI to cpu 0, the clock). Every
 * op is a plain call into kernel code.
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

/* The receiver's queue is full: let other kernel coroutines run. */
static void kbackoff(int id)
{
	(void)id;
	VDS(co_yield )();
}

#define KPOLL_SPIN_NS 200000 /* a dedicated poller hart polls 200 us before sleeping */

struct vds_host_ops kernel_host_ops = {
	.stack_alloc = kstack_op,
	.stack_free = kstack_free_op,
	.notify = sched_kick_kernel,
	.clock_ns = now_ns,
	.ring = ring_queue,
	.idle = kpoll_idle,
	.backoff = kbackoff,
	.accept = ksys_accept,
};

/* Map the vDSO for the kernel and start its executor with our host ops. */
void kexec_init(void)
{
	kernel_host_ops.idle_spin_ns = kexec_dedicated ? KPOLL_SPIN_NS : 0;
	kvdso_init(&kernel_host_ops);
	kq_init();
	syscall_init();
}

/* Start a kernel coroutine with the standard stack size. */
int kspawn(void (*fn)(void *), void *arg, const char *name)
{
	return VDS(co_spawn)(fn, arg, name, KCORO_STACK_PAGES * PGSIZE);
}
