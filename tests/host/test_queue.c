/*
 * Host tests of the receive queues (vdso/queue.c, vdso/registry.c,
 * vdso/outbox.c and the shared data, vdso/shared.c, compiled natively).
 * Each thread plays one address space: its vDSO local data (identity, id
 * cache, holds) is thread-local here. The main thread is the kernel (slot 0,
 * pid 0): it registers and unregisters queues, records who owns each outbox
 * (vds_sh.k.ob_pid) and pops queues it owns. Senders use their own outbox
 * state (vds_ob_init + vds_q_get), as the kernel and vds_get_sqe() do.
 * Built under ThreadSanitizer and under AddressSanitizer+UBSan.
 *
 *   test_queue [N]          every test; N messages per many-producer run
 *   test_queue --mpsc P N   only the run with P producers and N messages
 *   test_queue --handshake N  only the sleep/wake litmus test, N rounds
 */
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "htest.h"
#include "outbox.h" /* q_send: the whole path of a send */

__thread struct vds_self vds_self_block; /* what the kernel fills per process */
__thread struct executor vds_ex;         /* coroutines: none here (vdso/coro.c is not linked) */

/* In the vDSO clock_now() reads the time CSR (vdso/internal.h); on the host,
 * clock_now() calls this. */
uint64_t vds_clock_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static double now_s(void)
{
	return (double)vds_clock_ns() * 1e-9;
}

static int failures; /* tests failed: the exit status */

static void report(const char *name)
{
	failures += ht_report(name);
}

static int stop_all; /* a test gave up: threads waiting for room give up too */

static int stopping(void)
{
	return __atomic_load_n(&stop_all, __ATOMIC_ACQUIRE);
}

/* ---- processes, messages ---- */

/* A process: its slot, its pid, its view of its own outbox. */
struct proc {
	uint32_t slot;
	int pid;
	struct vds_obstate ob;
};

static int next_pid = 1000; /* pids are never reused */

/* Start a process in slot s, as the kernel does: a new pid owns the outbox. */
static void spawn(struct proc *p, uint32_t slot)
{
	p->slot = slot;
	p->pid = next_pid++;
	__atomic_store_n(&vds_sh.k.ob_pid[slot], p->pid, __ATOMIC_RELEASE);
	vds_ob_init(&p->ob, slot);
}

/* This thread is now the process p (or the kernel: p == NULL). */
static void act_as(const struct proc *p)
{
	vds_self_block.slot = p ? p->slot : 0;
	vds_self_block.pid = p ? p->pid : 0;
}

#define K1 0x9e3779b97f4a7c15ULL

/* Fill a message whose every field can be checked from a0, a1 and a2. */
static void fill(struct vds_sqe *s, uint64_t a0, uint64_t a1, uint64_t a2)
{
	s->op = (uint16_t)(a0 * 7 + 3);
	s->flags = VDS_SQE_NOREPLY;
	s->tag = (a0 ^ a1 ^ a2) * K1;
	s->arg[0] = a0;
	s->arg[1] = a1;
	s->arg[2] = a2;
	s->arg[3] = ~a1;
	s->arg[4] = a1 * K1 + a0;
}

/* Is it the message fill() wrote, nothing mixed in from another? */
static int intact(const struct vds_sqe *s)
{
	uint64_t a0 = s->arg[0], a1 = s->arg[1], a2 = s->arg[2];
	return s->op == (uint16_t)(a0 * 7 + 3) && s->flags == VDS_SQE_NOREPLY &&
	       s->tag == ((a0 ^ a1 ^ a2) * K1) && s->arg[3] == ~a1 && s->arg[4] == a1 * K1 + a0;
}

/*
 * One message from p to queue id, as a process sends (vds_get_sqe's steps,
 * with p's outbox state): hold the queue, take an outbox slot and a cell,
 * fill the slot in place, release, let go. 0, -VDS_EAGAIN (queue full, or
 * all of p's slots in flight) or -VDS_ENOQUEUE. The thread must act as p.
 */
static int send1(struct proc *p, int id, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct vds_qref r;
	int e = vds_q_open(id, &r);
	if (e < 0)
		return e;
	struct vds_ticket t;
	e = vds_q_get(&p->ob, &r, &t);
	if (e == 0) {
		if (t.sqe->to != id || t.sqe->arg[0] != 0 || t.sqe->tag != 0)
			e = -VDS_EINVAL; /* not handed out zeroed and addressed */
		fill(t.sqe, a0, a1, a2);
		int e2 = vds_sqe_release(&t);
		e = e ? e : e2;
	}
	vds_q_close(&r);
	return e;
}

/* The same from the main thread, acting as p for the send. */
static int send_as(struct proc *p, int id, uint64_t a0, uint64_t a1, uint64_t a2)
{
	act_as(p);
	int e = send1(p, id, a0, a1, a2);
	act_as(NULL);
	return e;
}

/* Retry while there is no room; gives up (-VDS_EAGAIN) only if a test stopped. */
static int send_wait(struct proc *p, int id, uint64_t a0, uint64_t a1, uint64_t a2)
{
	int e;
	while ((e = send1(p, id, a0, a1, a2)) == -VDS_EAGAIN && !stopping())
		sched_yield();
	return e;
}

/* Pop until `want` messages came (or `secs` passed): how many came. */
static int pop_until(struct vds_consumer *c, struct vds_sqe *out, int want, double secs)
{
	int n = 0;
	double end = now_s() + secs;
	while (n < want && now_s() < end) {
		int k = vds_q_pop(c, out + n, want - n);
		if (k <= 0)
			sched_yield();
		else
			n += k;
	}
	return n;
}

/* No message dropped for any reason (skips of slow claims aside). */
static int clean(const struct vds_rx_stats *s)
{
	return s->bad_ref == 0 && s->wrong_to == 0 && s->bad_seq == 0 && s->replayed == 0 &&
	       s->cancelled == 0 && s->garbage == 0;
}

static void print_stats(const char *what, const struct vds_rx_stats *s)
{
	printf("    # %s: accepted %llu, bad_ref %llu, wrong_to %llu, bad_seq %llu, replayed %llu, "
	       "skipped %llu, cancelled %llu, garbage %llu\n",
	       what, (unsigned long long)s->accepted, (unsigned long long)s->bad_ref,
	       (unsigned long long)s->wrong_to, (unsigned long long)s->bad_seq,
	       (unsigned long long)s->replayed, (unsigned long long)s->skipped,
	       (unsigned long long)s->cancelled, (unsigned long long)s->garbage);
}

static int unregisters; /* queues unregistered so far (the kernel's `deaths`) */

/* Unregister q as the kernel does: close it, wait until no sender is inside. */
static void unregister(const struct vds_qref *q)
{
	vds_q_unregister_begin(q);
	double end = now_s() + 10;
	while (vds_q_inside(q, ~1ULL) != 0 && now_s() < end)
		sched_yield();
	CHECK_EQ(vds_q_inside(q, ~1ULL), 0);
	vds_q_unregister_finish(q);
	unregisters++;
}

/* ---- basics ---- */

static struct vds_qref kq; /* the kernel's queue, registered once */

static void test_basics(void)
{
	struct proc owner, s;
	spawn(&owner, 10);
	spawn(&s, 11);
	struct vds_qref q, x;
	CHECK_EQ(vds_q_register(0, VDS_KERNEL_ID, VDS_QCAP_KERNEL, 0, &kq), 0);
	CHECK_EQ(vds_q_register(1, owner.pid, 8, owner.slot, &q), 0);
	CHECK_EQ(q.id, owner.pid);
	CHECK_EQ(q.mask, 7);
	CHECK_EQ(vds_q_register(1, 9999, 8, 0, &x), -VDS_EBUSY);
	CHECK_EQ(vds_q_register(2, 9999, 3, 0, &x), -VDS_EINVAL);
	CHECK_EQ(vds_q_register(2, 9999, 1, 0, &x), -VDS_EINVAL);
	CHECK_EQ(vds_q_register(2, 9999, VDS_QCAP_PROC * 2, 0, &x), -VDS_EINVAL);
	CHECK_EQ(vds_q_register(2, 9999, 8, VDS_NSLOTS, &x), -VDS_EINVAL);
	CHECK_EQ(vds_q_register(VDS_NQUEUES, 9999, 8, 0, &x), -VDS_EINVAL);
	CHECK_EQ(vds_q_register(-1, 9999, 8, 0, &x), -VDS_EINVAL);
	CHECK_EQ(vds_q_register(2, -5, 8, 0, &x), -VDS_EINVAL);

	struct vds_ticket t;
	struct vds_sqe out[16];
	CHECK_EQ(vds_q_open(99999, &x), -VDS_ENOQUEUE);
	CHECK_EQ(vds_get_sqe(99999, &t), -VDS_ENOQUEUE);
	CHECK_EQ(send_as(&s, 99999, 0, 0, 0), -VDS_ENOQUEUE);

	/* Only the owner may make the queue its own. */
	act_as(&s);
	CHECK_EQ(vds_q_attach(owner.pid), -VDS_EPERM);
	CHECK_EQ(vds_pop(out), -VDS_ENOQUEUE); /* this thread has no queue */
	act_as(&owner);
	CHECK_EQ(vds_q_attach(99999), -VDS_ENOQUEUE);
	CHECK_EQ(vds_q_attach(owner.pid), 0);
	CHECK_EQ(vds_pop_multiple(out, -1), 0);
	CHECK(vds_q_empty());

	/* Exactly cap messages fit; the next send is refused, nothing dropped. */
	for (int lap = 0; lap < 2; lap++) {
		uint64_t base = (uint64_t)lap * 8;
		for (int i = 0; i < 8; i++)
			CHECK_EQ(send_as(&s, owner.pid, base + (uint64_t)i, 1, 2), 0);
		CHECK_EQ(vds_q_len(&q), 8);
		CHECK_EQ(send_as(&s, owner.pid, 99, 1, 2), -VDS_EAGAIN);
		CHECK_EQ(vds_q_len(&q), 8);
		act_as(&owner);
		CHECK(!vds_q_empty());
		int n = lap == 0 ? vds_pop_multiple(out, 3) : vds_pop(out);
		CHECK_EQ(n, lap == 0 ? 3 : 1);
		n += vds_pop_multiple(out + n, -1);
		CHECK_EQ(n, 8);
		for (int i = 0; i < n; i++) {
			CHECK_EQ(out[i].arg[0], base + (uint64_t)i);
			CHECK_EQ(out[i].sender, s.pid); /* the owner of the outbox, from ob_pid */
			CHECK(intact(&out[i]));
		}
		CHECK(vds_q_empty());
		CHECK_EQ(vds_pop(out), 0);
		CHECK_EQ(vds_q_len(&q), 0);
	}
	struct vds_rx_stats st;
	vds_q_stats(&st);
	CHECK_EQ(st.accepted, 16);
	CHECK(clean(&st));
	CHECK_EQ(st.skipped, 0);

	/* The sleep/wake handshake word. */
	vds_q_set_need_wakeup(1);
	CHECK_EQ(vds_q_need_wakeup(&q), 1);
	vds_q_set_need_wakeup(0);
	CHECK_EQ(vds_q_need_wakeup(&q), 0);
	act_as(NULL);

	unregister(&q);
	CHECK_EQ(send_as(&s, owner.pid, 0, 0, 0), -VDS_ENOQUEUE);
	report("queue: register, fill to full, pop_multiple(-1), unknown id, sender from ob_pid");
}

/* ---- positions and message numbers past 2^24 ---- */

static void test_wrap(void)
{
	uint64_t starts[] = { (1ULL << 24) - 5, (1ULL << 32) - 3, (3ULL << 24) - 1, 12345 };
	for (int k = 0; k < 4; k++) {
		struct proc p;
		/* The kernel hands the outbox over with numbers just short of 2^24,
		 * so the 24 bits of the number in references wrap too. */
		vds_sh.outbox[12].hdr.seq_base = (1ULL << 24) - 100 + (uint64_t)k * 7;
		spawn(&p, 12);
		int id = 50 + k;
		struct vds_qref q;
		CHECK_EQ(vds_q_register(2, id, 4, 0, &q), 0);
		q_init_cells(&q, starts[k]);
		struct vds_consumer c;
		vds_q_consumer(&q, &c);
		CHECK_EQ(c.head, starts[k]);
		uint64_t next = 0, bad = 0, eagain = 0;
		/* 100 laps of 4: every outbox slot is used again, at positions and
		 * numbers on both sides of the 2^24 boundary. */
		for (int round = 0; round < 100; round++) {
			for (int i = 0; i < 4; i++)
				bad += send_as(&p, id, next + (uint64_t)i, (uint64_t)round, 0) != 0;
			eagain += send_as(&p, id, 999, 0, 0) == -VDS_EAGAIN;
			struct vds_sqe out[8];
			int n = vds_q_pop(&c, out, -1);
			bad += n != 4;
			for (int i = 0; i < n; i++)
				bad += out[i].arg[0] != next + (uint64_t)i ||
				       out[i].sender != p.pid || !intact(&out[i]);
			next += 4;
		}
		CHECK_EQ(bad, 0);
		CHECK_EQ(eagain, 100);
		CHECK_EQ(c.head, starts[k] + 400);
		CHECK_EQ(q.ctl->head, starts[k] + 400);
		CHECK_EQ(c.stats.accepted, 400);
		CHECK(clean(&c.stats));
		CHECK(p.ob.seq > 1ULL << 24);
		unregister(&q);
	}
	vds_sh.outbox[12].hdr.seq_base = 0;
	report("queue: positions and message numbers wrap past 2^24 (and 2^32)");
}

/* ---- many producers, one consumer ---- */

struct producer {
	struct proc p;
	int id;
	int index;
	long count;
	int rc;
	int *done;
};

static void *producer(void *arg)
{
	struct producer *w = arg;
	act_as(&w->p);
	for (long i = 0; i < w->count && w->rc == 0; i++)
		w->rc = send_wait(&w->p, w->id, (uint64_t)w->index, (uint64_t)i, (uint64_t)w->id);
	__atomic_add_fetch(w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void mpsc(int nprod, long total)
{
	int id = 100 + nprod;
	struct vds_qref q;
	CHECK_EQ(vds_q_register(3, id, VDS_QCAP_PROC, 0, &q), 0);
	struct vds_consumer c;
	vds_q_consumer(&q, &c);
	pthread_t t[8];
	static struct producer w[8];
	long per = total / nprod;
	int done = 0;
	for (int i = 0; i < nprod; i++) {
		w[i] = (struct producer){ .id = id, .index = i, .count = per, .done = &done };
		spawn(&w[i].p, (uint32_t)i + 1);
	}
	double t0 = now_s();
	for (int i = 0; i < nprod; i++)
		pthread_create(&t[i], NULL, producer, &w[i]);
	long next[8] = { 0 };
	long got = 0, lost_order = 0, wrong_sender = 0, mixed = 0;
	long want = per * nprod;
	static struct vds_sqe out[64];
	double idle_since = now_s();
	while (got < want) {
		int n = vds_q_pop(&c, out, 64);
		if (n <= 0) {
			if (now_s() - idle_since > 10) { /* lost messages: give up */
				__atomic_store_n(&stop_all, 1, __ATOMIC_RELEASE);
				break;
			}
			sched_yield();
			continue;
		}
		idle_since = now_s();
		for (int i = 0; i < n; i++) {
			uint64_t s = out[i].arg[0];
			if (s >= (uint64_t)nprod || !intact(&out[i]) ||
			    out[i].arg[2] != (uint64_t)id) {
				mixed++;
				continue;
			}
			wrong_sender += out[i].sender != w[s].p.pid;
			lost_order +=
			    out[i].arg[1] != (uint64_t)next[s]++; /* lost, doubled, reordered */
		}
		got += n;
	}
	double dt = now_s() - t0;
	for (int i = 0; i < nprod; i++)
		pthread_join(t[i], NULL);
	int failed = 0;
	for (int i = 0; i < nprod; i++) {
		failed += w[i].rc != 0;
		CHECK_EQ(next[i], per);
	}
	CHECK_EQ(got, want);
	CHECK_EQ(lost_order, 0);
	CHECK_EQ(wrong_sender, 0);
	CHECK_EQ(mixed, 0);
	CHECK_EQ(failed, 0);
	CHECK_EQ(c.stats.accepted, want);
	CHECK(clean(&c.stats));
	CHECK_EQ(vds_q_pop(&c, out, 64), 0); /* nothing more */
	CHECK(q_is_empty(&c));
	printf("    # %d producer%s: %ld messages in %.2f s, %llu slow claims skipped (and sent "
	       "again)\n",
	       nprod, nprod > 1 ? "s" : "", want, dt, (unsigned long long)c.stats.skipped);
	if (ht_failed)
		print_stats("consumer", &c.stats);
	unregister(&q);
	__atomic_store_n(&stop_all, 0, __ATOMIC_RELEASE);
	char name[128];
	snprintf(name, sizeof(name),
	         "queue: %d producer%s, %ld messages: none lost or doubled, each in order, "
	         "sender right",
	         nprod, nprod > 1 ? "s" : "", want);
	report(name);
}

/* ---- registration racing with senders ---- */

#define RACE_IDX    4
#define RACE_ROUNDS 300
#define RACE_HONEST 3
#define ROGUE_SENDS 8  /* per round ... */
#define ROGUE_TRIES 60 /* ... and attempts, each with a new outbox slot: see rogue() */
_Static_assert(ROGUE_TRIES < VDS_OUTBOX_SLOTS - VDS_OUTBOX_KSLOTS, "no slot reused in a round");

static int current_id;    /* the id senders aim at; changes under them */
static int race_stop;     /* the senders stop */
static int rogue_allowed; /* odd: the rogue may send (a new value per phase) */
static int rogue_at;      /* the last value of rogue_allowed it acted on */
static long race_sent[RACE_HONEST];
static long rogue_published;

/* An honest sender: sends (holding the queue) to whatever the id is now. */
static void *race_sender(void *arg)
{
	struct proc *p = arg;
	act_as(p);
	long sent = 0;
	int index = (int)p->slot - 1;
	while (!__atomic_load_n(&race_stop, __ATOMIC_ACQUIRE)) {
		int id = __atomic_load_n(&current_id, __ATOMIC_ACQUIRE);
		/* The message says whom it is for, and its place in our sequence. */
		if (send1(p, id, (uint64_t)index, (uint64_t)sent, (uint64_t)id) == 0)
			sent++;
		else
			sched_yield(); /* not registered right now, or full */
	}
	race_sent[index] = sent;
	return NULL;
}

/*
 * A process that does not play by the registry's rules: it keeps the handle
 * of the previous registration of the entry (no hold) and sends through it,
 * so its messages, addressed to the previous id, land in the cells of the
 * entry registered for the next. It only runs while the entry is READY
 * (the main thread pauses it around teardown and registration).
 *
 * Its slots to a stale registration count as free at once, so each attempt
 * takes the next one. Fewer attempts per round than it has slots (63 for
 * process queues) means it never rewrites a slot the receiver read in the
 * same round: the receiver's seqlock would catch that (bad_seq), but TSan
 * cannot see the fences it relies on. Slots read in earlier rounds are
 * ordered by the pause handshake.
 */
static void *rogue(void *arg)
{
	struct proc *p = arg;
	act_as(p);
	struct vds_qref cur = { 0 }, stale = { 0 };
	int sends = 0, tries = 0;
	while (!__atomic_load_n(&race_stop, __ATOMIC_ACQUIRE)) {
		int a = __atomic_load_n(&rogue_allowed, __ATOMIC_ACQUIRE);
		int seen = __atomic_load_n(&rogue_at, __ATOMIC_RELAXED);
		__atomic_store_n(&rogue_at, a, __ATOMIC_RELEASE);
		if (!(a & 1)) {
			sched_yield();
			continue;
		}
		if (a != seen) { /* a new registration: the last one becomes stale */
			stale = cur;
			if (q_ref_of(RACE_IDX, &cur) < 0)
				cur.cells = NULL;
			sends = tries = 0;
		}
		if (stale.cells && cur.cells && stale.id != cur.id && sends < ROGUE_SENDS &&
		    tries++ < ROGUE_TRIES) {
			struct vds_ticket t;
			if (vds_q_get(&p->ob, &stale, &t) == 0) {
				fill(t.sqe, 0xbad, (uint64_t)sends, (uint64_t)stale.id);
				if (vds_sqe_release(&t) == 0) {
					sends++;
					__atomic_add_fetch(&rogue_published, 1, __ATOMIC_RELEASE);
				}
			}
		}
		sched_yield();
	}
	return NULL;
}

struct race_check {
	int id;
	long delivered, foreign;
	long next[RACE_HONEST];
	int rogue_pid;
	int pid[RACE_HONEST];
};

static void race_take(struct race_check *rc, const struct vds_sqe *out, int n)
{
	for (int i = 0; i < n; i++) {
		uint64_t s = out[i].arg[0];
		if (out[i].arg[2] != (uint64_t)rc->id || s >= RACE_HONEST || !intact(&out[i]) ||
		    out[i].sender != rc->pid[s] || out[i].arg[1] != (uint64_t)rc->next[s]++)
			rc->foreign++; /* for another queue, a rogue's, lost or doubled */
		rc->delivered++;
	}
}

static void test_register_race(void)
{
	static struct proc honest[RACE_HONEST], bad;
	struct race_check rc = { 0 };
	pthread_t t[RACE_HONEST + 1];
	uint64_t live = 0;
	for (int i = 0; i < RACE_HONEST; i++) {
		spawn(&honest[i], (uint32_t)i + 1);
		rc.pid[i] = honest[i].pid;
		live |= 1ULL << honest[i].slot;
	}
	spawn(&bad, RACE_HONEST + 1);
	rc.rogue_pid = bad.pid;
	__atomic_store_n(&current_id, -1, __ATOMIC_RELEASE);
	for (int i = 0; i < RACE_HONEST; i++)
		pthread_create(&t[i], NULL, race_sender, &honest[i]);
	pthread_create(&t[RACE_HONEST], NULL, rogue, &bad);
	struct vds_rx_stats sum = { 0 };
	long waits = 0, landed = 0;
	static struct vds_sqe out[16];
	static struct vds_consumer c;
	for (int round = 0; round < RACE_ROUNDS; round++) {
		rc.id = 5000 + round;
		struct vds_qref q;
		CHECK_EQ(vds_q_register(RACE_IDX, rc.id, 16, 0, &q), 0);
		vds_q_consumer(&q, &c);
		__atomic_store_n(&current_id, rc.id, __ATOMIC_RELEASE);
		__atomic_store_n(&rogue_allowed, 2 * round + 1, __ATOMIC_RELEASE);
		/* Let the rogue in: it sends as soon as it sees the new value. */
		for (double end = now_s() + 1;
		     __atomic_load_n(&rogue_at, __ATOMIC_ACQUIRE) != 2 * round + 1 &&
		     now_s() < end;)
			sched_yield();
		/* Pop for a while, and until the rogue got one message in (the
		 * honest senders keep the queue full: it has to find a free cell). */
		long before = __atomic_load_n(&rogue_published, __ATOMIC_ACQUIRE);
		double end = now_s() + 1;
		for (int k = 0;
		     k < 20 || (round > 0 && now_s() < end &&
		                __atomic_load_n(&rogue_published, __ATOMIC_ACQUIRE) == before);
		     k++) {
			race_take(&rc, out, vds_q_pop(&c, out, -1));
			sched_yield();
		}
		landed += __atomic_load_n(&rogue_published, __ATOMIC_ACQUIRE) > before;
		/* Pause the rogue, and wait until it saw it: it is not mid-send. */
		__atomic_store_n(&rogue_allowed, 2 * round + 2, __ATOMIC_RELEASE);
		while (__atomic_load_n(&rogue_at, __ATOMIC_ACQUIRE) != 2 * round + 2)
			sched_yield();
		vds_q_unregister_begin(&q);
		while (vds_q_inside(&q, live | 1ULL << bad.slot) != 0) /* senders inside finish */
			waits++, sched_yield();
		/* Nobody is inside, so everything sent is published: drain it all. */
		for (int k = 0; k < 1000 && !q_is_empty(&c); k++)
			race_take(&rc, out, vds_q_pop(&c, out, -1));
		CHECK(q_is_empty(&c));
		vds_q_unregister_finish(&q);
		unregisters++;
		sum.accepted += c.stats.accepted;
		sum.bad_ref += c.stats.bad_ref;
		sum.wrong_to += c.stats.wrong_to;
		sum.bad_seq += c.stats.bad_seq;
		sum.replayed += c.stats.replayed;
		sum.skipped += c.stats.skipped;
		sum.cancelled += c.stats.cancelled;
		sum.garbage += c.stats.garbage;
	}
	__atomic_store_n(&race_stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i <= RACE_HONEST; i++)
		pthread_join(t[i], NULL);
	long sent = 0;
	for (int i = 0; i < RACE_HONEST; i++) {
		sent += race_sent[i];
		CHECK_EQ(rc.next[i], race_sent[i]); /* each sender's messages, all of them */
	}
	printf("    # %d registrations: %ld messages sent and received, %ld rogue messages in "
	       "recycled queues (in %ld of them), %ld waits for senders inside\n",
	       RACE_ROUNDS, sent, rogue_published, landed, waits);
	CHECK(sent > 0);
	CHECK_EQ(rc.foreign, 0);      /* nothing delivered that was meant for another queue */
	CHECK_EQ(rc.delivered, sent); /* and nothing sent successfully was lost */
	CHECK_EQ(sum.accepted, sent);
	CHECK(landed > RACE_ROUNDS / 2); /* the rogue's first round has no stale handle yet */
	CHECK_EQ(sum.wrong_to, rogue_published); /* every stale message refused as such */
	CHECK_EQ(sum.bad_ref + sum.bad_seq + sum.replayed + sum.cancelled + sum.garbage, 0);
	if (ht_failed)
		print_stats("all rounds", &sum);
	report("queue: unregister/register racing with senders: nothing lost, nothing lands "
	       "in a recycled queue");
}

/* ---- a writer that dies between claim and publish ---- */

struct dying {
	struct proc p;
	int id;
	int rc;
};

static void *claim_and_die(void *arg)
{
	struct dying *d = arg;
	act_as(&d->p);
	struct vds_qref r;
	struct vds_ticket t;
	d->rc = vds_q_open(d->id, &r);
	if (d->rc == 0)
		d->rc = vds_q_get(&d->p.ob, &r, &t);
	if (d->rc == 0)
		fill(t.sqe, 666, 0, 0); /* half-written: never published, never let go */
	return NULL;
}

static void test_dead_writer(void)
{
	static struct dying d;
	struct proc p;
	spawn(&d.p, 9);
	spawn(&p, 13);
	d.id = 60;
	struct vds_qref q;
	CHECK_EQ(vds_q_register(5, 60, 8, 0, &q), 0);
	struct vds_consumer c;
	vds_q_consumer(&q, &c);
	pthread_t t;
	pthread_create(&t, NULL, claim_and_die, &d);
	pthread_join(t, NULL);
	CHECK_EQ(d.rc, 0);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(send_as(&p, 60, 77, (uint64_t)i, 0), 0);
	struct vds_sqe out[8];
	/* Stuck behind the dead writer's cell (once: a second look after
	 * CLAIM_BOUND_NS would skip it, and a loaded machine may take that long). */
	CHECK_EQ(vds_q_pop(&c, out, -1), 0);
	CHECK_EQ(vds_q_inside(&q, ~1ULL), 1ULL << 9); /* and it still holds the queue */
	CHECK_EQ(vds_q_reap_slot(9), 1);              /* the kernel reaps slot 9 */
	__atomic_store_n(&vds_sh.k.ob_pid[9], 0, __ATOMIC_RELEASE);
	CHECK_EQ(vds_q_inside(&q, ~1ULL), 0);
	CHECK_EQ(vds_q_reap_slot(9), 0);
	CHECK_EQ(vds_q_pop(&c, out, -1), 3); /* the cancelled cell is passed over */
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(out[i].arg[0], 77);
		CHECK_EQ(out[i].arg[1], (uint64_t)i);
		CHECK_EQ(out[i].sender, p.pid);
	}
	CHECK_EQ(c.stats.cancelled, 1);
	CHECK_EQ(c.stats.skipped, 0);
	CHECK_EQ(c.stats.accepted, 3);
	CHECK(q_is_empty(&c));
	unregister(&q);
	report("queue: a dead writer's claim is cancelled at reap; the owner moves on");
}

/* ---- a claim not published within the bound ---- */

struct late {
	struct proc p;
	int id;
	int stage; /* 1: claimed; 2: go on and publish; 3: done */
	int rc;
	uint64_t pos0;
};

static void *late_writer(void *arg)
{
	struct late *l = arg;
	act_as(&l->p);
	struct vds_qref r;
	struct vds_ticket t;
	l->rc = vds_q_open(l->id, &r);
	if (l->rc == 0)
		l->rc = vds_q_get(&l->p.ob, &r, &t);
	if (l->rc == 0) {
		l->pos0 = t.pos;
		fill(t.sqe, 0x1a7e, 1, 2);
	}
	__atomic_store_n(&l->stage, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&l->stage, __ATOMIC_ACQUIRE) != 2)
		sched_yield();
	if (l->rc == 0) {
		l->rc = vds_sqe_release(&t); /* our claim was taken back: claims again */
		vds_q_close(&r);
	}
	return NULL;
}

static void test_skipped_claim(void)
{
	static struct late l;
	struct proc p;
	spawn(&l.p, 14);
	spawn(&p, 15);
	l.id = 61;
	l.stage = 0;
	struct vds_qref q;
	CHECK_EQ(vds_q_register(6, 61, 8, 0, &q), 0);
	struct vds_consumer c;
	vds_q_consumer(&q, &c);
	pthread_t t;
	pthread_create(&t, NULL, late_writer, &l);
	while (__atomic_load_n(&l.stage, __ATOMIC_ACQUIRE) != 1)
		sched_yield();
	CHECK_EQ(l.rc, 0);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(send_as(&p, 61, 5, (uint64_t)i, 0), 0);
	struct vds_sqe out[8];
	CHECK_EQ(vds_q_pop(&c, out, -1), 0); /* stuck behind the claim... */
	usleep((useconds_t)(CLAIM_BOUND_NS / 1000 + 30000));
	CHECK_EQ(vds_q_pop(&c, out, -1), 3); /* ...until the bound: skipped */
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(out[i].arg[1], (uint64_t)i);
		CHECK_EQ(out[i].sender, p.pid);
	}
	CHECK_EQ(c.stats.skipped, 1);
	__atomic_store_n(&l.stage, 2, __ATOMIC_RELEASE); /* the writer wakes up and publishes */
	pthread_join(t, NULL);
	CHECK_EQ(l.rc, 0);
	CHECK_EQ(vds_q_pop(&c, out, -1), 1);
	CHECK_EQ(c.head, l.pos0 + 5); /* it came from a new cell, after the others */
	CHECK_EQ(out[0].arg[0], 0x1a7e);
	CHECK_EQ(out[0].sender, l.p.pid);
	CHECK(intact(&out[0]));
	CHECK_EQ(vds_q_pop(&c, out, -1), 0); /* once */
	CHECK_EQ(c.stats.accepted, 4);
	CHECK(clean(&c.stats));
	unregister(&q);
	report("queue: a claim unpublished past the bound is skipped; its late writer claims "
	       "again, delivered once");
}

/* ---- a slow live writer ---- */

struct slow {
	struct proc p;
	int id;
	int claimed;
	int rc;
};

static void *slow_writer(void *arg)
{
	struct slow *s = arg;
	act_as(&s->p);
	struct vds_qref r;
	struct vds_ticket t;
	s->rc = vds_q_open(s->id, &r);
	if (s->rc == 0)
		s->rc = vds_q_get(&s->p.ob, &r, &t);
	__atomic_store_n(&s->claimed, 1, __ATOMIC_RELEASE); /* the fast writers may go */
	if (s->rc != 0)
		return NULL;
	usleep((useconds_t)(CLAIM_BOUND_NS / 1000 / 5)); /* well within the bound */
	fill(t.sqe, 0xdead, 0, 0);
	s->rc = vds_sqe_release(&t);
	vds_q_close(&r);
	return NULL;
}

static void test_slow_writer(void)
{
	static struct slow s;
	struct proc p;
	spawn(&s.p, 16);
	spawn(&p, 17);
	s.id = 62;
	s.claimed = 0;
	struct vds_qref q;
	CHECK_EQ(vds_q_register(6, 62, 8, 0, &q), 0);
	struct vds_consumer c;
	vds_q_consumer(&q, &c);
	pthread_t t;
	pthread_create(&t, NULL, slow_writer, &s);
	while (!__atomic_load_n(&s.claimed, __ATOMIC_ACQUIRE))
		sched_yield();
	for (int i = 0; i < 4; i++)
		CHECK_EQ(send_as(&p, 62, 5, (uint64_t)i, 0), 0);
	struct vds_sqe out[8];
	int early = vds_q_pop(&c, out, 8) == 0; /* the owner waits for the slow writer */
	int n = pop_until(&c, out, 5, 5.0);
	pthread_join(t, NULL);
	CHECK_EQ(s.rc, 0);
	CHECK(early);
	CHECK_EQ(n, 5);
	CHECK_EQ(out[0].arg[0], 0xdead); /* its message first, intact */
	CHECK_EQ(out[0].sender, s.p.pid);
	CHECK(intact(&out[0]));
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(out[1 + i].arg[1], (uint64_t)i);
		CHECK_EQ(out[1 + i].sender, p.pid);
		CHECK(intact(&out[1 + i]));
	}
	CHECK_EQ(c.stats.skipped, 0);
	CHECK_EQ(c.stats.accepted, 5);
	CHECK(clean(&c.stats));
	unregister(&q);
	report("queue: a slow live writer keeps its place; nothing lost or mixed");
}

/* ---- forged references ---- */

/* Claim a cell of r by hand, as outbox `ob`, and store `word_low` in it in
 * state `state`: what a hostile process can do to public cells. */
static int forge(const struct vds_qref *r, uint32_t ob, uint64_t state, uint64_t low)
{
	for (int tries = 0; tries < 1000; tries++) {
		uint64_t pos = __atomic_load_n(r->tail, __ATOMIC_RELAXED);
		uint64_t *cp = &r->cells[pos & r->mask];
		uint64_t w = cell_word(CELL_FREE, pos, 0);
		int ok = __atomic_compare_exchange_n(cp, &w, cell_word(CELL_CLAIMED, pos, ob), 0,
		                                     __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
		__atomic_compare_exchange_n(r->tail, &pos, pos + 1, 0, __ATOMIC_RELAXED,
		                            __ATOMIC_RELAXED);
		if (ok) {
			__atomic_store_n(cp, cell_word(state, pos, low), __ATOMIC_RELEASE);
			return 0;
		}
	}
	return -1;
}

/* Send one message and tell where it went: its outbox slot and number. */
static int send_ticket(struct proc *p, const struct vds_qref *q, uint64_t a0, uint32_t *slot,
                       uint64_t *seq)
{
	struct vds_ticket t;
	int e = vds_q_get(&p->ob, q, &t);
	if (e < 0)
		return e;
	fill(t.sqe, a0, 0, (uint64_t)q->id);
	*slot = t.slot;
	*seq = t.seq;
	return vds_sqe_release(&t);
}

static void test_forged_refs(void)
{
	struct proc p, p2, f;
	spawn(&p, 20);
	spawn(&p2, 21);
	spawn(&f, 22);                                               /* the forger */
	__atomic_store_n(&vds_sh.k.ob_pid[30], 0, __ATOMIC_RELEASE); /* nobody owns outbox 30 */
	struct vds_qref a, b;
	CHECK_EQ(vds_q_register(7, 700, 32, 0, &a), 0);
	CHECK_EQ(vds_q_register(8, 800, 8, 0, &b), 0);
	struct vds_consumer ca, cb;
	vds_q_consumer(&a, &ca);
	vds_q_consumer(&b, &cb);
	struct vds_sqe out[32];
	uint32_t k1, kb, kx;
	uint64_t s1, sb, sx;

	/* A genuine message, accepted. */
	CHECK_EQ(send_ticket(&p, &a, 1, &k1, &s1), 0);
	CHECK_EQ(vds_q_pop(&ca, out, -1), 1);
	CHECK_EQ(out[0].arg[0], 1);
	CHECK_EQ(out[0].sender, p.pid);
	/* A genuine message to B, not yet popped there. */
	CHECK_EQ(send_ticket(&p, &b, 2, &kb, &sb), 0);

	uint32_t pob = p.slot, kob = VDS_NSLOTS + p.slot;
	CHECK_EQ(forge(&a, f.slot, CELL_PUBLISHED, ref_make(pob, k1, s1)), 0);     /* replay */
	CHECK_EQ(send_ticket(&p2, &a, 10, &kx, &sx), 0);                           /* genuine */
	CHECK_EQ(forge(&a, f.slot, CELL_PUBLISHED, ref_make(pob, k1, s1 + 1)), 0); /* future */
	CHECK_EQ(forge(&a, f.slot, CELL_PUBLISHED, ref_make(pob, kb, sb)), 0);     /* B's */
	CHECK_EQ(send_ticket(&p, &a, 11, &kx, &sx), 0);                            /* genuine */
	CHECK_EQ(forge(&a, f.slot, CELL_PUBLISHED, ref_make(0, 0, 1)), 0);         /* outbox 0 */
	CHECK_EQ(forge(&a, f.slot, CELL_PUBLISHED, ref_make(pob, 127, s1)), 0);    /* slot 127 */
	CHECK_EQ(forge(&a, f.slot, CELL_PUBLISHED, ref_make(kob, VDS_KBOX_SLOTS, 1)), 0);
	CHECK_EQ(forge(&a, f.slot, CELL_PUBLISHED, ref_make(30, 0, 1)), 0);    /* ob_pid 0 */
	CHECK_EQ(send_ticket(&p2, &a, 12, &kx, &sx), 0);                       /* genuine */
	CHECK_EQ(forge(&a, f.slot, CELL_PUBLISHED, ref_make(kob, 0, 0)), 0);   /* never written */
	CHECK_EQ(forge(&a, f.slot, 3, 12345), 0);                              /* no such state */
	CHECK_EQ(send_ticket(&p, &a, 13, &kx, &sx), 0);                        /* genuine */
	CHECK_EQ(forge(&a, f.slot, CELL_PUBLISHED, ref_make(pob, kx, sx)), 0); /* a twin */

	int n = vds_q_pop(&ca, out, -1);
	CHECK_EQ(n, 4);
	uint64_t want[4] = { 10, 11, 12, 13 };
	int wsender[4] = { p2.pid, p.pid, p2.pid, p.pid };
	for (int i = 0; i < n && i < 4; i++) {
		CHECK_EQ(out[i].arg[0], want[i]);
		CHECK_EQ(out[i].sender, wsender[i]);
		CHECK(intact(&out[i]));
	}
	CHECK_EQ(vds_q_pop(&ca, out, -1), 0);
	CHECK_EQ(ca.stats.accepted, 5);
	CHECK_EQ(ca.stats.replayed, 2); /* the first message again, and the twin */
	CHECK_EQ(ca.stats.bad_seq, 2);  /* a future number; a slot never written */
	CHECK_EQ(ca.stats.wrong_to, 1); /* B's message */
	CHECK_EQ(ca.stats.bad_ref, 4);  /* outbox 0, slot 127, kernel slot 64, no owner */
	CHECK_EQ(ca.stats.garbage, 1);
	CHECK_EQ(ca.stats.skipped + ca.stats.cancelled, 0);

	/* B gets its own message, once, then a replay of it is refused there too. */
	CHECK_EQ(vds_q_pop(&cb, out, -1), 1);
	CHECK_EQ(out[0].arg[0], 2);
	CHECK_EQ(out[0].sender, p.pid);
	CHECK_EQ(forge(&b, f.slot, CELL_PUBLISHED, ref_make(pob, kb, sb)), 0);
	CHECK_EQ(vds_q_pop(&cb, out, -1), 0);
	CHECK_EQ(cb.stats.accepted, 1);
	CHECK_EQ(cb.stats.replayed, 1);
	if (ht_failed) {
		print_stats("A", &ca.stats);
		print_stats("B", &cb.stats);
	}
	unregister(&a);
	unregister(&b);
	report("queue: forged references dropped and counted by reason; genuine ones once");
}

/*
 * A message that could not be sent (the queue was full) takes its number
 * back: a reference to it, forged afterwards, is never accepted. (Else a
 * sender that sends it again under a new number, as a call's general way
 * does, would have it run twice; seen in the kernel's attack_refs.)
 */
static void test_abandoned(void)
{
	struct proc p, f;
	spawn(&p, 25);
	spawn(&f, 26);
	struct vds_qref a;
	CHECK_EQ(vds_q_register(11, 1100, 8, 0, &a), 0);
	struct vds_consumer c;
	vds_q_consumer(&a, &c);
	struct vds_sqe m, out[8];
	memset(&m, 0, sizeof(m));
	fill(&m, 5, 6, 1100);
	for (int i = 0; i < 8; i++)
		CHECK(q_send(&p.ob, &a, &m) >= 0);
	uint64_t unsent = p.ob.seq + 1;
	CHECK_EQ(q_send(&p.ob, &a, &m), -VDS_EAGAIN); /* full */
	CHECK_EQ(p.ob.seq, unsent);                   /* it was numbered, then */
	int kept = 0;
	for (uint32_t k = 0; k < VDS_OUTBOX_SLOTS; k++)
		kept +=
		    __atomic_load_n(&vds_sh.outbox[p.slot].slot[k].seq, __ATOMIC_RELAXED) == unsent;
	CHECK_EQ(kept, 0);
	CHECK_EQ(vds_q_pop(&c, out, -1), 8);
	/* A reference to the unsent message, whichever slot it was in. */
	int taken = 0;
	for (uint32_t k = 0; k < VDS_OUTBOX_SLOTS; k++) {
		CHECK_EQ(forge(&a, f.slot, CELL_PUBLISHED, ref_make(p.slot, k, unsent)), 0);
		taken += vds_q_pop(&c, out, -1);
	}
	CHECK_EQ(taken, 0);
	CHECK_EQ(c.stats.accepted, 8);
	CHECK_EQ(c.stats.bad_seq, VDS_OUTBOX_SLOTS);
	if (ht_failed)
		print_stats("abandoned", &c.stats);
	unregister(&a);
	report("queue: a message that could not be sent takes its number back (no late forgery)");
}

/*
 * Words a hostile process writes into the cells themselves (lab queue: the
 * fast paths must compare whole words, positions included). A word for
 * another position at the owner's head is skipped, not taken for an empty
 * queue nor for a message; a sender never publishes over a claim word that
 * is not exactly its own.
 */
static void test_hostile_words(void)
{
	struct proc p, q2;
	spawn(&p, 23);
	spawn(&q2, 24);
	struct vds_qref a;
	CHECK_EQ(vds_q_register(10, 1000, 8, 0, &a), 0);
	struct vds_consumer c;
	vds_q_consumer(&a, &c);
	struct vds_sqe out[8];

	/* FREE for a later lap, then PUBLISHED for another position, at the
	 * head; a genuine message behind each. */
	uint64_t h = c.head;
	__atomic_store_n(&a.cells[h & a.mask], cell_word(CELL_FREE, h + 3, 0), __ATOMIC_RELAXED);
	CHECK_EQ(send_ticket(&p, &a, 1, &(uint32_t){ 0 }, &(uint64_t){ 0 }), 0);
	CHECK_EQ(pop_until(&c, out, 1, 2), 1);
	CHECK_EQ(out[0].arg[0], 1);
	h = c.head;
	__atomic_store_n(&a.cells[h & a.mask],
	                 cell_word(CELL_PUBLISHED, h + 8, ref_make(p.slot, 0, 1)),
	                 __ATOMIC_RELAXED);
	CHECK_EQ(send_ticket(&p, &a, 2, &(uint32_t){ 0 }, &(uint64_t){ 0 }), 0);
	CHECK_EQ(pop_until(&c, out, 1, 2), 1);
	CHECK_EQ(out[0].arg[0], 2);
	CHECK_EQ(c.stats.garbage, 2);

	/* Our claim, rewritten by someone else: naming another outbox, or the
	 * same outbox a lap later. Publishing must fail and leave it alone. */
	struct vds_ticket t;
	CHECK_EQ(vds_q_get(&p.ob, &a, &t), 0);
	uint64_t *cp = &a.cells[t.pos & a.mask];
	const uint64_t forged[2] = { cell_word(CELL_CLAIMED, t.pos, q2.slot),
		                     cell_word(CELL_CLAIMED, t.pos + 8, p.slot) };
	for (int i = 0; i < 2; i++) {
		__atomic_store_n(cp, forged[i], __ATOMIC_RELAXED);
		CHECK_EQ(q_publish(&a, t.pos, p.slot, ref_make(p.slot, t.slot, t.seq)),
		         -VDS_ESTALE);
		CHECK_EQ(__atomic_load_n(cp, __ATOMIC_RELAXED), forged[i]);
	}
	/* The message still goes: in a cell of its own, once the owner gives up
	 * on the forged claim at its head (after CLAIM_BOUND_NS). */
	fill(t.sqe, 3, 0, (uint64_t)a.id);
	CHECK_EQ(vds_sqe_release(&t), 0);
	CHECK_EQ(pop_until(&c, out, 1, 2), 1);
	CHECK_EQ(out[0].arg[0], 3);
	CHECK(intact(&out[0]));
	CHECK_EQ(vds_q_pop(&c, out, -1), 0);
	unregister(&a);
	report("queue: hostile cell words: another position's word at the head is skipped, a "
	       "publish never lands on a claim not its own");
}

/* ---- outbox slots: reuse and back-pressure ---- */

static void test_outbox_reuse(void)
{
	const int nproc = VDS_OUTBOX_SLOTS - VDS_OUTBOX_KSLOTS; /* slots for process queues */
	struct proc p;
	spawn(&p, 23);
	struct vds_qref q;
	CHECK_EQ(vds_q_register(9, 900, VDS_QCAP_PROC, 0, &q), 0); /* more cells than slots */
	struct vds_consumer c, kc;
	vds_q_consumer(&q, &c);
	vds_q_consumer(&kq, &kc);
	static struct vds_sqe out[VDS_QCAP_KERNEL];
	uint64_t next = 0, sent = 0;
	int bad = 0;
	for (int lap = 0; lap < 3; lap++) {
		/* Nobody pops: exactly the slots not kept for the kernel go out. */
		int ok = 0;
		while (send_as(&p, 900, sent, 0, 900) == 0)
			ok++, sent++;
		CHECK_EQ(ok, lap == 0 ? nproc : nproc - 10);
		struct vds_ticket t;
		act_as(&p);
		CHECK_EQ(vds_q_get(&p.ob, &q, &t), -VDS_EAGAIN); /* no slot: no cell claimed */
		act_as(NULL);
		CHECK_EQ(vds_q_len(&q), (uint64_t)(sent - next));
		/* System calls still go: the kernel's part of the outbox. */
		if (lap == 0) {
			int k = 0;
			while (send_as(&p, VDS_KERNEL_ID, 5000 + (uint64_t)k, 0, 0) == 0)
				k++;
			CHECK_EQ(k, VDS_OUTBOX_KSLOTS);
			CHECK_EQ(vds_q_pop(&kc, out, -1), VDS_OUTBOX_KSLOTS);
			for (int i = 0; i < VDS_OUTBOX_KSLOTS; i++)
				bad += out[i].arg[0] != 5000 + (uint64_t)i || !intact(&out[i]);
			CHECK_EQ(send_as(&p, VDS_KERNEL_ID, 7, 0, 0), 0); /* popped: slots back */
			CHECK_EQ(vds_q_pop(&kc, out, -1), 1);
		}
		/* Pop them all: none was overwritten while in flight. */
		int n = vds_q_pop(&c, out, -1);
		CHECK_EQ(n, (int)(sent - next));
		for (int i = 0; i < n; i++)
			bad +=
			    out[i].arg[0] != next++ || out[i].sender != p.pid || !intact(&out[i]);
		/* Ten more, popped at once: those ten slots are free again. */
		for (int i = 0; i < 10; i++)
			CHECK_EQ(send_as(&p, 900, sent++, 0, 900), 0);
		n = vds_q_pop(&c, out, 10);
		CHECK_EQ(n, 10);
		for (int i = 0; i < n; i++)
			bad += out[i].arg[0] != next++ || !intact(&out[i]);
		for (int i = 0; i < 10; i++)
			CHECK_EQ(send_as(&p, 900, sent++, 0, 900), 0);
	}
	CHECK_EQ(bad, 0);
	/* An unregistered queue frees every slot that was in flight to it. */
	while (send_as(&p, 900, sent, 0, 900) == 0)
		sent++;
	CHECK_EQ(send_as(&p, 900, sent, 0, 900), -VDS_EAGAIN);
	unregister(&q);
	struct vds_qref q2;
	CHECK_EQ(vds_q_register(9, 901, VDS_QCAP_PROC, 0, &q2), 0);
	vds_q_consumer(&q2, &c);
	int ok = 0;
	while (send_as(&p, 901, (uint64_t)ok, 0, 901) == 0)
		ok++;
	CHECK_EQ(ok, nproc);
	int n = vds_q_pop(&c, out, -1);
	CHECK_EQ(n, nproc);
	for (int i = 0; i < n; i++)
		bad += out[i].arg[0] != (uint64_t)i || !intact(&out[i]);
	CHECK_EQ(bad, 0);
	CHECK(clean(&c.stats));
	CHECK(clean(&kc.stats));
	unregister(&q2);
	report("queue: outbox back-pressure: exactly its free slots go out, then -EAGAIN; "
	       "slots come back once popped");
}

/* ---- the sleep/wake handshake ---- */

/*
 * The store-buffering litmus test of the SQPOLL handshake (docs/IPC.md,
 * "Waiting"; lab doorbell). Each round the owner announces that it will
 * sleep (vds_q_set_need_wakeup(1)) and looks at its queue once more, while
 * a sender publishes a message and asks whether to ring
 * (vds_q_need_wakeup). At least one of them must see the other: the owner
 * the message, or the sender the announcement. Without the fences, a
 * machine with a store buffer (x86 here; RISC-V too) lets both miss, and
 * the message would wait for a wake-up that never comes. (With one CPU
 * the two sides take turns and the test proves little, but ends.)
 */
struct handshake {
	struct proc s;
	int id;
	long rounds;
	long go, done; /* the round the sender may start; the last it finished */
	int rang;      /* the sender's answer in the round just done */
};

/* Wait d plus a few dozen rounds, different each time, so that the two
 * sides' windows slide over each other. */
static void jitter(uint64_t *x, long d)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	for (uint64_t i = (uint64_t)d + (*x & 31); i > 0; i--)
		__asm__ volatile("" ::: "memory");
}

static void *handshake_sender(void *arg)
{
	struct handshake *h = arg;
	act_as(&h->s);
	struct vds_qref q;
	if (vds_q_open(h->id, &q) < 0)
		return NULL;
	uint64_t x = 0x2545f4914f6cdd1dULL;
	for (long r = 1; r <= h->rounds && !stopping(); r++) {
		/* Claim and fill before the round: then publishing and asking
		 * are all that is left, a window as short as the owner's. */
		struct vds_ticket t;
		int e = vds_q_get(&h->s.ob, &q, &t);
		if (e == 0)
			fill(t.sqe, (uint64_t)r, 0, 0);
		for (long spin = 1; __atomic_load_n(&h->go, __ATOMIC_ACQUIRE) != r && !stopping();
		     spin++)
			if (spin % 1024 == 0)
				sched_yield(); /* with one CPU, let the owner run */
		jitter(&x, 0);
		if (e == 0)
			e = vds_sqe_release(&t);
		int rang = vds_q_need_wakeup(&q);
		h->rang = e == 0 ? rang : -1;
		__atomic_store_n(&h->done, r, __ATOMIC_RELEASE);
	}
	vds_q_close(&q);
	return NULL;
}

static void test_handshake(long rounds)
{
	struct proc owner;
	spawn(&owner, 20);
	static struct handshake h;
	h = (struct handshake){ .id = 300, .rounds = rounds };
	spawn(&h.s, 21);
	struct vds_qref q;
	CHECK_EQ(vds_q_register(5, h.id, 8, owner.slot, &q), 0);
	act_as(&owner);
	CHECK_EQ(vds_q_attach(h.id), 0);
	pthread_t t;
	pthread_create(&t, NULL, handshake_sender, &h);
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	long lost = 0, rang = 0, saw = 0, bad = 0;
	long delay = 0; /* kept where the owner sees the message about half the time */
	struct vds_sqe m;
	for (long r = 1; r <= rounds; r++) {
		__atomic_store_n(&h.go, r, __ATOMIC_RELEASE);
		jitter(&x, delay);
		vds_q_set_need_wakeup(1);    /* about to sleep... */
		int seen = q_ready(&vds_me); /* ...but look once more (a claim is not a message) */
		double end = now_s() + 10;
		for (long spin = 1;
		     __atomic_load_n(&h.done, __ATOMIC_ACQUIRE) != r && now_s() < end; spin++)
			if (spin % 1024 == 0)
				sched_yield(); /* with one CPU, let the sender run */
		if (h.done != r) {
			__atomic_store_n(&stop_all, 1, __ATOMIC_RELEASE);
			bad++;
			break;
		}
		bad += h.rang < 0;
		lost += !seen && h.rang == 0;
		saw += seen;
		rang += h.rang == 1;
		delay = seen ? (delay > 0 ? delay - 1 : 0) : (delay < 100000 ? delay + 1 : delay);
		vds_q_set_need_wakeup(0);
		bad += vds_pop(&m) != 1 || m.arg[0] != (uint64_t)r;
	}
	pthread_join(t, NULL);
	printf("    # %ld rounds: the owner saw the message in %ld, the sender rang in %ld, "
	       "neither in %ld\n",
	       rounds, saw, rang, lost);
	CHECK_EQ(lost, 0);
	CHECK_EQ(bad, 0);
	act_as(NULL);
	unregister(&q);
	__atomic_store_n(&stop_all, 0, __ATOMIC_RELEASE);
	report("queue: the sleep/wake handshake: the owner sees the message or the sender rings");
}

/* ---- the registry afterwards ---- */

static void test_registry_clean(void)
{
	int busy = 0, inside = 0;
	for (int i = 1; i < VDS_NQUEUES; i++)
		busy += vds_sh.k.reg[i].state != QE_EMPTY;
	for (int s = 1; s < VDS_NSLOTS; s++)
		inside += vds_sh.outbox[s].hdr.inside != 0;
	CHECK_EQ(busy, 0);
	CHECK_EQ(inside, 0);
	CHECK_EQ(vds_sh.k.reg[0].state, QE_READY); /* the kernel's queue stays */
	CHECK_EQ(vds_sh.k.deaths, unregisters);
	/* Every entry can be registered again, and comes back empty. */
	int bad = 0;
	for (int i = 1; i < VDS_NQUEUES; i++) {
		struct vds_qref q;
		struct vds_consumer c;
		bad += vds_q_register(i, 20000 + i, VDS_QCAP_PROC, 0, &q) != 0;
		vds_q_consumer(&q, &c);
		bad += !q_is_empty(&c) || vds_q_len(&q) != 0;
		vds_q_unregister_begin(&q);
		vds_q_unregister_finish(&q);
	}
	CHECK_EQ(bad, 0);
	report("queue: afterwards every entry is free, no sender is inside, entries reusable");
}

int main(int argc, char **argv)
{
	long total = 1000000;
	if (argc > 3 && strcmp(argv[1], "--mpsc") == 0) {
		int p = atoi(argv[2]);
		if (p < 1 || p > 8)
			p = 8;
		printf("1..1\n");
		mpsc(p, atol(argv[3]));
		return failures != 0;
	}
	if (argc > 2 && strcmp(argv[1], "--handshake") == 0) {
		printf("1..1\n");
		test_handshake(atol(argv[2]));
		return failures != 0;
	}
	if (argc > 1)
		total = atol(argv[1]);
	printf("1..14\n");
	test_basics();
	test_wrap();
	mpsc(1, total);
	mpsc(2, total);
	mpsc(4, total);
	mpsc(8, total);
	test_register_race();
	test_dead_writer();
	test_skipped_claim();
	test_slow_writer();
	test_forged_refs();
	test_abandoned();
	test_hostile_words();
	test_outbox_reuse();
	test_registry_clean();
	return failures != 0;
}
