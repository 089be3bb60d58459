/* Spin locks, and push_off/pop_off: interrupts stay off while any lock is held. */
#include "defs.h"

void initlock(struct spinlock *lk, const char *name)
{
	lk->locked = 0;
	lk->name = name;
	lk->cpu = 0;
}

void acquire(struct spinlock *lk)
{
	push_off(); /* an interrupt handler taking this lock on this hart would deadlock */
	if (holding(lk))
		panic("acquire: %s already held by this hart", lk->name);
	/* acquire: pairs with the release in release(); the critical section
	 * cannot move above this point. */
	while (__atomic_exchange_n(&lk->locked, 1, __ATOMIC_ACQUIRE) != 0)
		;
	lk->cpu = mycpu();
}

void release(struct spinlock *lk)
{
	if (!holding(lk))
		panic("release: %s not held", lk->name);
	lk->cpu = 0;
	/* release: pairs with acquire(); publishes the critical section's stores. */
	__atomic_store_n(&lk->locked, 0, __ATOMIC_RELEASE);
	pop_off();
}

int holding(struct spinlock *lk)
{
	return __atomic_load_n(&lk->locked, __ATOMIC_RELAXED) && lk->cpu == mycpu();
}

void push_off(void)
{
	int old = intr_get();
	intr_off();
	struct cpu *c = mycpu();
	if (c->noff == 0)
		c->intena = old;
	c->noff++;
}

void pop_off(void)
{
	struct cpu *c = mycpu();
	if (intr_get())
		panic("pop_off: interrupts on");
	if (c->noff < 1)
		panic("pop_off: not pushed");
	c->noff--;
	if (c->noff == 0 && c->intena)
		intr_on();
}
