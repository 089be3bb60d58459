/*
 * The kernel's host ops, all of them: what the vDSO's executor needs from
 * the kernel (stacks from the guarded stack window, memory, wake-ups by
 * IPI to cpu 0). Every op is a plain call into kernel code. The kernel
 * does not use the vDSO's messaging layer (it serves its queue in
 * syscall.c), so the sleep and back-off ops are not needed.
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

static void kfree_op(void *p)
{
	kfree_obj(p);
}

struct vds_host_ops kernel_host_ops = {
	.stack_alloc = kstack_op,
	.stack_free = kstack_free_op,
	.alloc = kmalloc,
	.free = kfree_op,
	.notify = sched_kick_kernel,
	.ring = ring_queue,
};

/* Map the vDSO for the kernel and start its executor with our host ops. */
void kexec_init(void)
{
	kvdso_init(&kernel_host_ops);
	kq_init();
	syscall_init();
}

/* Start a kernel coroutine with the standard stack size. */
int kspawn(void (*fn)(void *), void *arg, const char *name)
{
	return VDS(co_spawn)(fn, arg, name, KCORO_STACK_PAGES * PGSIZE);
}
