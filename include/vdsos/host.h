/*
 * The host-ops table: everything the vDSO needs from whoever runs it. The
 * kernel installs one at boot (plain calls into kernel code: kernel/kexec.c);
 * the user runtime installs one at process start (user/lib/start.c), whose
 * trap ops are the vDSO's own doorbell. The vDSO never calls kernel code
 * any other way.
 */
#ifndef VDSOS_HOST_H
#define VDSOS_HOST_H

#include <stddef.h>
#include <stdint.h>

struct vds_host_ops {
	/* A block of `size` bytes for a coroutine stack, or NULL. */
	void *(*stack_alloc)(size_t size);
	void (*stack_free)(void *base, size_t size);
	/* Memory for replies that arrived before anyone asked for them, or NULL. */
	void *(*alloc)(size_t size);
	void (*free)(void *p);
	/* Something was pushed onto the executor's inbox from outside it. */
	void (*notify)(void);
	/* Wake the owner of queue id (its need_wakeup flag was set). */
	void (*ring)(int id);
	/* Nothing to do: sleep until this address space's queue gets a message
	 * (ring wake_id first if it is >= 0). May return early. */
	void (*idle)(int wake_id);
	/* Let others run before we try again (ring wake_id first if >= 0). */
	void (*backoff)(int wake_id);
};

#endif
