/* Spin locks that also keep interrupts off on this hart while held (xv6's design). */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <stdint.h>

struct cpu;

struct spinlock {
	uint32_t locked;
	const char *name;
	struct cpu *cpu; /* holder, for holding() and panic messages */
};

/* A lock used wrongly (spinlock.c): acquire, release, holding, push_off
 * and pop_off themselves are inline, in proc.h (they need struct cpu). */
void lock_misuse(const char *what, const struct spinlock *lk) __attribute__((noreturn, cold));

#define SPINLOCK_INIT(n)                           \
	{                                          \
		.locked = 0, .name = (n), .cpu = 0 \
	}

#endif
