/*
 * Stackful coroutines and the executor that runs them: one executor per
 * address space (the kernel's is driven by one hart). Wake-ups may come from
 * other harts or interrupt handlers, so they go through a lock-free inbox.
 */
#ifndef VDSO_CORO_H
#define VDSO_CORO_H

#include <stddef.h>
#include <stdint.h>
#include <vdsos/vdso.h>

/* Registers kept across co_switch (switch.S): ra, sp, s0..s11. */
struct co_ctx {
	uint64_t ra, sp, s[12];
};

enum co_state {
	CO_READY, /* in the ready list or the inbox */
	CO_RUNNING,
	CO_BLOCKED, /* waiting on an event or a message */
	CO_DONE,    /* returned; the executor frees its stack if the host's */
};

struct coro {
	struct co_ctx ctx;
	struct coro *next; /* ready list or inbox link */
	void (*fn)(void *);
	void *arg;
	void *stack; /* the block holding the stack and this struct */
	size_t stack_size;
	int own_stack; /* allocated through the host: free it when done */
	uint32_t state;
	uint32_t id;
	const char *name;
	void *wait; /* what it waits for (message layer) */
};

/*
 * struct vds_event (include/vdsos/vdso.h) is a one-waiter event: IDLE (0),
 * SIGNALED (1), or the address of the one coroutine waiting. A signal before
 * the wait is remembered, so a wake-up racing with the wait is never lost.
 */

void co_switch(struct co_ctx *from, struct co_ctx *to);

/* The executor (one per address space, in local data). */
struct executor {
	const struct vds_host_ops *host;
	struct coro *current;   /* NULL while the executor itself runs */
	struct co_ctx main_ctx; /* the host thread, switched to on block/yield/exit */
	struct coro *ready_head, *ready_tail;
	struct coro *inbox; /* atomic; remote wake-ups, newest first */
	uint32_t next_id;
	uint32_t nlive;
};

#endif
