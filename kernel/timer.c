/*
 * Time: the scheduler tick on every hart (SBI TIME), and kernel timers that
 * wake coroutines (sleep syscall, tests). Each hart programs its timer for
 * its next tick or the earliest kernel timer, whichever comes first.
 */
#include "defs.h"
#include "fdt.h"

static struct {
	struct spinlock lock;
	struct ktimer *head; /* sorted by deadline */
} timers = { .lock = SPINLOCK_INIT("timers") };

static uint64_t tick_interval;

uint64_t ns_to_ticks(uint64_t ns)
{
	uint64_t hz = bootinfo.timebase_hz;
	return (ns / 1000000000ULL) * hz + (ns % 1000000000ULL) * hz / 1000000000ULL;
}

uint64_t now_ns(void)
{
	uint64_t t = rdtime(), hz = bootinfo.timebase_hz;
	return (t / hz) * 1000000000ULL + (t % hz) * 1000000000ULL / hz;
}

static void program_timer(struct cpu *c)
{
	uint64_t when = c->next_tick;
	acquire(&timers.lock);
	if (timers.head && timers.head->when < when)
		when = timers.head->when;
	release(&timers.lock);
	sbi_set_timer(when);
}

void timer_inithart(void)
{
	struct cpu *c = mycpu();
	tick_interval = bootinfo.timebase_hz / TICK_HZ;
	c->next_tick = rdtime() + tick_interval;
	program_timer(c);
}

/* Arm t to signal ev at time `when` (in timebase ticks). */
void ktimer_add(struct ktimer *t, uint64_t when, struct vds_event *ev)
{
	t->when = when;
	t->ev = ev;
	acquire(&timers.lock);
	struct ktimer **pp = &timers.head;
	while (*pp && (*pp)->when <= when)
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	t->armed = 1;
	release(&timers.lock);
	/* The new deadline may be earlier than what this hart programmed. */
	push_off();
	program_timer(mycpu());
	pop_off();
}

/* Disarm t if it has not fired. */
void ktimer_cancel(struct ktimer *t)
{
	acquire(&timers.lock);
	for (struct ktimer **pp = &timers.head; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->armed = 0;
	release(&timers.lock);
}

/* Block the calling kernel coroutine for ns nanoseconds. */
void ksleep_ns(uint64_t ns)
{
	struct vds_event ev = { VDS_EVENT_IDLE };
	struct ktimer t;
	ktimer_add(&t, rdtime() + ns_to_ticks(ns), &ev);
	VDS(event_wait)(&ev);
}

/* Wait for ev, or at most ns nanoseconds (then ev is signalled by the timer). */
void kwait_event_timeout(struct vds_event *ev, uint64_t ns)
{
	struct ktimer t;
	ktimer_add(&t, rdtime() + ns_to_ticks(ns), ev);
	VDS(event_wait)(ev);
	ktimer_cancel(&t);
}

/* Timer interrupt: fire expired kernel timers, re-arm. Returns 1 on a tick. */
int timer_intr(void)
{
	struct cpu *c = mycpu();
	uint64_t now = rdtime();
	int tick = 0;

	acquire(&timers.lock);
	while (timers.head && timers.head->when <= now) {
		struct ktimer *t = timers.head;
		timers.head = t->next;
		t->armed = 0;
		VDS(event_signal)(t->ev);
	}
	release(&timers.lock);
	if (now >= c->next_tick) {
		c->ticks++;
		c->next_tick = now + tick_interval;
		tick = 1;
	}
	program_timer(c);
	return tick;
}
