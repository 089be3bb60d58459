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

#define SPINLOCK_INIT(n)                           \
	{                                          \
		.locked = 0, .name = (n), .cpu = 0 \
	}

#endif
