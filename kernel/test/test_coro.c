/* Kernel coroutines, events and timers (the vDSO executor as the kernel uses it). */
#include "tests.h"

struct order {
	int log[16];
	int n;
	struct vds_event done;
	int finished;
};

static void worker(void *arg)
{
	struct order *o = arg;
	for (int round = 0; round < 3; round++) {
		o->log[o->n++] = round;
		VDS(co_yield )();
	}
	if (++o->finished == 2)
		VDS(event_signal)(&o->done);
}

/* Two coroutines that yield alternate, and the event wakes the waiter. */
int test_coro_yield(void)
{
	struct order o = { .done = { VDS_EVENT_IDLE } };
	KT_ASSERT(kspawn(worker, &o, "w1") > 0);
	KT_ASSERT(kspawn(worker, &o, "w2") > 0);
	VDS(event_wait)(&o.done);
	KT_EQ(o.n, 6);
	int want[6] = { 0, 0, 1, 1, 2, 2 };
	for (int i = 0; i < 6; i++)
		KT_EQ(o.log[i], want[i]);
	return 0;
}

/* A signal that comes before the wait is not lost; two signals make one. */
int test_event_early_signal(void)
{
	struct vds_event ev = { VDS_EVENT_IDLE };
	VDS(event_signal)(&ev);
	VDS(event_signal)(&ev);
	KT_EQ(ev.state, VDS_EVENT_SIGNALED);
	VDS(event_wait)(&ev); /* returns at once */
	KT_EQ(ev.state, VDS_EVENT_IDLE);
	return 0;
}

/* Kernel sleep lasts at least as long as asked, and not absurdly longer. */
int test_ksleep(void)
{
	uint64_t t0 = now_ns();
	ksleep_ns(20 * 1000 * 1000);
	uint64_t dt = now_ns() - t0;
	KT_ASSERT(dt >= 20 * 1000 * 1000);
	KT_ASSERT(dt < 2000ULL * 1000 * 1000);
	return 0;
}

struct timed {
	uint64_t ns;
	int *order;
	int *n;
	struct vds_event *all;
	int total;
};

static void sleeper(void *arg)
{
	struct timed *t = arg;
	ksleep_ns(t->ns);
	t->order[(*t->n)++] = (int)(t->ns / 1000000);
	if (*t->n == t->total)
		VDS(event_signal)(t->all);
}

/* Timers armed in one order fire in deadline order. */
int test_ktimer_order(void)
{
	enum { N = 5 };
	static const uint64_t ms[N] = { 50, 10, 40, 20, 30 };
	int order[N], n = 0;
	struct vds_event all = { VDS_EVENT_IDLE };
	struct timed t[N];
	for (int i = 0; i < N; i++) {
		t[i] = (struct timed){ ms[i] * 1000000, order, &n, &all, N };
		KT_ASSERT(kspawn(sleeper, &t[i], "sleeper") > 0);
	}
	VDS(event_wait)(&all);
	for (int i = 0; i < N; i++)
		KT_EQ(order[i], (i + 1) * 10);
	return 0;
}
