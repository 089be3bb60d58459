/* This address space's identity and view of the vDSO, set-up, and the clock. */
#include <stdint.h>
#include "internal.h"

/* linker/vdso.ld puts this first in local data, where the kernel writes it. */
__attribute__((section("vds_self"), used)) VDS_LOCAL struct vds_self vds_self_block = {
	.magic = VDS_SELF_MAGIC,
};

extern VDS_HIDDEN const char __ehdr_start[];                   /* the image's first byte */
extern VDS_HIDDEN char __vds_local_start[], __vds_local_end[]; /* linker/vdso.ld */

static VDS_LOCAL uint64_t local_counter;

VDS_API int vds_init(const struct vds_host_ops *host)
{
	if (vds_self_block.magic != VDS_SELF_MAGIC || host == NULL)
		return -VDS_EINVAL;
	co_set_host(host);
	return 0;
}

VDS_API void vds_info(struct vds_info *out)
{
	out->base = (uintptr_t)__ehdr_start;
	out->local = (uintptr_t)__vds_local_start;
	out->local_size = (uintptr_t)(__vds_local_end - __vds_local_start);
	out->shared = (uintptr_t)shared_base();
	out->shared_size = shared_size();
	out->pid = vds_self_block.pid;
	out->slot = vds_self_block.slot;
	out->ncpu = vds_self_block.ncpu;
	out->timebase_hz = vds_self_block.timebase_hz;
	out->calls_max = VDS_CALLS_MAX;
}

VDS_API int vds_getpid(void)
{
	return vds_self_block.pid;
}

/*
 * Monotonic nanoseconds since boot, with no message and no trap (as Linux
 * and Zircon do it): the time CSR is readable in U-mode (the kernel sets
 * scounteren.TM), and the kernel put the scale in kernel-owned data.
 */
#if !defined(__riscv)
#error \
    "vds_clock_ns() is clock_now(), which on the host calls vds_clock_ns(): host tests bring their own"
#endif
VDS_API uint64_t vds_clock_ns(void)
{
	return clock_now();
}

/* One counter for every address space (tests of shared data). */
VDS_API uint64_t vds_shared_counter_add(uint64_t n)
{
	return __atomic_add_fetch(&vds_sh.pub.counter, n, __ATOMIC_SEQ_CST);
}

/* One counter per address space (tests of local data). */
VDS_API uint64_t vds_local_counter_add(uint64_t n)
{
	local_counter += n;
	return local_counter;
}

/* Does nothing: the cost of a call through the function table. */
VDS_API uint64_t vds_nop(uint64_t x)
{
	return x + 1;
}
