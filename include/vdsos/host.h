/*
 * The host-ops table: everything the vDSO needs from whoever runs it. The
 * kernel installs one at boot (plain calls into kernel code); the user
 * runtime installs one at process start (its trap ops are the vDSO's own
 * doorbell functions). The vDSO never calls kernel code any other way.
 */
#ifndef VDSOS_HOST_H
#define VDSOS_HOST_H

#include <stddef.h>
#include <stdint.h>

struct vds_host_ops {
	/* A block of `size` bytes for a coroutine stack, or NULL. */
	void *(*stack_alloc)(size_t size);
	void (*stack_free)(void *base, size_t size);
	/* Something was pushed onto the executor's inbox from outside it. */
	void (*notify)(void);
	/* Monotonic time in nanoseconds. */
	uint64_t (*clock_ns)(void);
};

#endif
