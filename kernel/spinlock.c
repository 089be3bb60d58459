/*
 * Spin locks, and push_off/pop_off: interrupts stay off while any lock is
 * held, so an interrupt handler can never spin on a lock its own hart
 * holds. acquire(), release(), holding(), push_off() and pop_off() are
 * inline, in proc.h (they need struct cpu): this file is what they call
 * when a lock is used wrongly. The checks catch the mistakes a student's
 * new kernel code makes first (a lock taken twice, released twice, or an
 * interrupt-off section left unbalanced), at the place they happen,
 * instead of as a hang later; they cost a few instructions per lock.
 */
#include "defs.h"

void initlock(struct spinlock *lk, const char *name)
{
	lk->locked = 0;
	lk->name = name;
	lk->cpu = 0;
}

void lock_misuse(const char *what, const struct spinlock *lk)
{
	if (lk == NULL)
		panic("%s", what);
	panic("%s (lock %s)", what, lk->name);
}
