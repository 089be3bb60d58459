/*
 * Host tests of the receive queues (vdso/queue.c, vdso/registry.c,
 * vdso/shm.c compiled natively). Each thread plays one address space: its
 * vDSO local data (identity, cache, consumer) is thread-local here. Built
 * under ThreadSanitizer and under AddressSanitizer+UBSan.
 */
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "htest.h"
#include "queue.h"

__thread struct vds_self vds_self_block; /* what the kernel fills per process */

static long total = 1000000; /* messages per producer configuration */

static void be(uint32_t slot, int pid)
{
	vds_self_block.slot = slot;
	vds_self_block.pid = pid;
}

/* Send one message to id, retrying while the queue is full. */
static int send_msg(int id, uint64_t a0, uint64_t a1)
{
	struct vds_ticket t;
	int r;
	while ((r = vds_get_sqe(id, &t)) == -VDS_EAGAIN)
		sched_yield();
	if (r < 0)
		return r;
	memset(t.sqe, 0, sizeof(*t.sqe));
	t.sqe->sender = vds_self_block.pid;
	t.sqe->arg[0] = a0;
	t.sqe->arg[1] = a1;
	return vds_sqe_release(&t);
}

static void test_basics(void)
{
	be(0, 0);
	struct vds_qref q;
	CHECK_EQ(vds_q_register(0, 7, 8, &q), 0);
	CHECK_EQ(vds_q_register(0, 8, 8, &q), -VDS_EBUSY);
	CHECK_EQ(vds_q_register(1, 8, 3, &q), -VDS_EINVAL);
	CHECK_EQ(vds_q_register(1, 8, 1, &q), -VDS_EINVAL);
	CHECK_EQ(vds_q_register(1, 8, VDS_QCAP_MAX * 2, &q), -VDS_EINVAL);
	CHECK_EQ(vds_q_attach(7), 0);
	struct vds_sqe out[16];
	CHECK_EQ(vds_pop_multiple(out, -1), 0);
	for (int i = 0; i < 8; i++)
		CHECK_EQ(send_msg(7, (uint64_t)i, 0), 0);
	struct vds_ticket t;
	CHECK_EQ(vds_get_sqe(7, &t), -VDS_EAGAIN); /* full: a clear result, not a drop */
	CHECK_EQ(vds_get_sqe(99, &t), -VDS_ENOENT);
	CHECK_EQ(vds_pop_multiple(out, 3), 3);
	CHECK_EQ(out[2].arg[0], 2);
	CHECK_EQ(vds_pop_multiple(out, -1), 5);
	CHECK_EQ(out[4].arg[0], 7);
	CHECK(vds_q_empty());
	CHECK_EQ(vds_pop(out), 0);
	ht_report("queue: register, fill to full, pop_multiple(-1), unknown id");
}

/* Positions near 2^32 (the claim word keeps their low 32 bits) and 2^40. */
static void test_wrap(void)
{
	be(0, 0);
	uint64_t starts[] = { (1ULL << 32) - 5, (1ULL << 40) - 3, 12345 };
	for (int k = 0; k < 3; k++) {
		struct vds_qref q;
		CHECK_EQ(vds_q_register(2, 50 + k, 4, &q), 0);
		q_init_cells(&q, starts[k]);
		struct vds_consumer c = { .ref = q, .head = starts[k] };
		uint64_t next = 0;
		for (int round = 0; round < 10; round++) {
			for (int i = 0; i < 3; i++)
				CHECK_EQ(send_msg(50 + k, next + (uint64_t)i, 0), 0);
			struct vds_sqe out[4];
			CHECK_EQ(vds_q_pop(&c, out, -1), 3);
			for (int i = 0; i < 3; i++)
				CHECK_EQ(out[i].arg[0], next + (uint64_t)i);
			next += 3;
		}
		CHECK_EQ(vds_q_unregister_begin(&q), 0);
		CHECK_EQ(vds_q_users(&q), 0);
		CHECK_EQ(vds_q_unregister_finish(&q), 0);
	}
	ht_report("queue: positions wrap past 2^32 and 2^40");
}

/* ---- many producers, one consumer ---- */

struct producer {
	int slot;
	long count;
	int id;
};

static void *producer(void *arg)
{
	struct producer *p = arg;
	be((uint32_t)p->slot, 1000 + p->slot);
	for (long i = 0; i < p->count; i++)
		if (send_msg(p->id, (uint64_t)p->slot, (uint64_t)i) != 0)
			return (void *)1;
	return NULL;
}

static void mpsc(int nprod)
{
	be(0, 0);
	int id = 100 + nprod;
	struct vds_qref q;
	CHECK_EQ(vds_q_register(3, id, 256, &q), 0);
	struct vds_consumer c = { .ref = q, .head = 0 };
	pthread_t t[8];
	struct producer p[8];
	long per = total / nprod;
	for (int i = 0; i < nprod; i++) {
		p[i] = (struct producer){ .slot = i + 1, .count = per, .id = id };
		pthread_create(&t[i], NULL, producer, &p[i]);
	}
	uint64_t next[9] = { 0 };
	long got = 0, bad = 0;
	struct vds_sqe out[64];
	while (got < per * nprod) {
		int n = vds_q_pop(&c, out, 64);
		if (n == 0)
			sched_yield();
		for (int i = 0; i < n; i++) {
			uint64_t s = out[i].arg[0], v = out[i].arg[1];
			if (s < 1 || s > (uint64_t)nprod || v != next[s]++)
				bad++; /* lost, duplicated, reordered or foreign */
		}
		got += n;
	}
	long failed = 0;
	for (int i = 0; i < nprod; i++) {
		void *rv;
		pthread_join(t[i], &rv);
		failed += rv != NULL;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(failed, 0);
	CHECK(q_is_empty(&c));
	CHECK_EQ(vds_q_unregister_begin(&q), 0);
	CHECK_EQ(vds_q_users(&q), 0);
	CHECK_EQ(vds_q_unregister_finish(&q), 0);
	char name[96];
	snprintf(name, sizeof(name), "queue: %d producer%s, %ld messages, each once, in order",
	         nprod, nprod > 1 ? "s" : "", per * nprod);
	ht_report(name);
}

/* ---- registration racing with senders ---- */

static int current_id; /* the id senders aim at; changes under them */
static int race_stop;
static long race_sent;

static void *race_sender(void *arg)
{
	be((uint32_t)(long)arg, 2000 + (int)(long)arg);
	long sent = 0;
	while (!__atomic_load_n(&race_stop, __ATOMIC_ACQUIRE)) {
		int id = __atomic_load_n(&current_id, __ATOMIC_ACQUIRE);
		struct vds_ticket t;
		if (vds_get_sqe(id, &t) != 0)
			continue;             /* not registered right now, or full */
		t.sqe->arg[0] = (uint64_t)id; /* the message says whom it was for */
		if (vds_sqe_release(&t) == 0)
			sent++;
	}
	__atomic_add_fetch(&race_sent, sent, __ATOMIC_RELAXED);
	return NULL;
}

static void test_register_race(void)
{
	be(0, 0);
	pthread_t t[3];
	for (long i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, race_sender, (void *)(i + 1));
	long drained = 0, foreign = 0, waits = 0;
	for (int round = 0; round < 300; round++) {
		int id = 5000 + round;
		struct vds_qref q;
		CHECK_EQ(vds_q_register(4, id, 16, &q), 0);
		__atomic_store_n(&current_id, id, __ATOMIC_RELEASE);
		struct vds_consumer c = { .ref = q, .head = 0 };
		struct vds_sqe out[16];
		for (int k = 0; k < 20; k++) {
			int n = vds_q_pop(&c, out, -1);
			for (int i = 0; i < n; i++)
				foreign += out[i].arg[0] != (uint64_t)id;
			drained += n;
			sched_yield();
		}
		CHECK_EQ(vds_q_unregister_begin(&q), 0);
		while (vds_q_users(&q) != 0) /* senders inside finish their message */
			waits++, sched_yield();
		int n;
		while ((n = vds_q_pop(&c, out, -1)) > 0) {
			for (int i = 0; i < n; i++)
				foreign += out[i].arg[0] != (uint64_t)id;
			drained += n;
		}
		CHECK_EQ(vds_q_unregister_finish(&q), 0);
	}
	__atomic_store_n(&race_stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	printf("    # 300 registrations: %ld messages sent and received, %ld waits for using\n",
	       drained, waits);
	CHECK_EQ(foreign, 0);         /* nothing landed in a queue recycled for another id */
	CHECK_EQ(drained, race_sent); /* and nothing sent successfully was lost */
	ht_report(
	    "queue: unregister/register racing with senders: no message lost or misdelivered");
}

/* ---- a writer that dies between claim and publish; a slow live writer ---- */

static void *claim_and_die(void *arg)
{
	be(9, 9009);
	struct vds_ticket t;
	*(int *)arg = vds_get_sqe(60, &t); /* claim, hold the registry reference, never publish */
	return NULL;
}

static void test_dead_writer(void)
{
	be(0, 0);
	struct vds_qref q;
	CHECK_EQ(vds_q_register(5, 60, 8, &q), 0);
	struct vds_consumer c = { .ref = q, .head = 0 };
	pthread_t t;
	int claimed = -1;
	pthread_create(&t, NULL, claim_and_die, &claimed);
	pthread_join(t, NULL);
	CHECK_EQ(claimed, 0);
	be(1, 1001);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(send_msg(60, 77, (uint64_t)i), 0);
	be(0, 0);
	struct vds_sqe out[8];
	CHECK_EQ(vds_q_pop(&c, out, -1), 0);  /* stuck behind the dead writer's cell */
	CHECK_EQ(vds_q_users(&q), 1ULL << 9); /* and it still holds the queue */
	CHECK_EQ(vds_q_reap_slot(9), 1);      /* the kernel reaps slot 9 */
	CHECK_EQ(vds_q_users(&q), 0);
	CHECK_EQ(vds_q_pop(&c, out, -1), 3); /* the cancelled cell is skipped */
	for (int i = 0; i < 3; i++)
		CHECK_EQ(out[i].arg[1], (uint64_t)i);
	CHECK_EQ(vds_q_unregister_begin(&q), 0);
	CHECK_EQ(vds_q_unregister_finish(&q), 0);
	ht_report("queue: a dead writer's cell is cancelled at reap; the owner moves on");
}

static void *slow_writer(void *arg)
{
	be(3, 3003);
	struct vds_ticket t;
	if (vds_get_sqe(61, &t) != 0)
		return (void *)1;
	__atomic_store_n((int *)arg, 1, __ATOMIC_RELEASE); /* claimed: the fast writers may go */
	usleep(50000);
	t.sqe->arg[0] = 0xdead;
	for (int i = 8; i < 32; i++) /* data[0..7] is arg[0] */
		t.sqe->data[i] = (uint8_t)(0xa0 + i);
	return vds_sqe_release(&t) == 0 ? NULL : (void *)1;
}

static void test_slow_writer(void)
{
	be(0, 0);
	struct vds_qref q;
	CHECK_EQ(vds_q_register(6, 61, 8, &q), 0);
	struct vds_consumer c = { .ref = q, .head = 0 };
	pthread_t t;
	int go = 0;
	pthread_create(&t, NULL, slow_writer, &go);
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		sched_yield();
	be(1, 1001);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(send_msg(61, 5, (uint64_t)i), 0);
	be(0, 0);
	struct vds_sqe out[8];
	int n = 0, early = 0;
	while (n < 5) {
		int k = vds_q_pop(&c, out + n, 8 - n);
		if (n == 0 && k == 0)
			early++;
		n += k;
	}
	void *rv;
	pthread_join(t, &rv);
	CHECK(rv == NULL);
	CHECK(early > 0);                /* the owner waited for the slow writer... */
	CHECK_EQ(out[0].arg[0], 0xdead); /* ...whose message came first, intact */
	for (int i = 8; i < 32; i++)
		CHECK_EQ(out[0].data[i], (uint8_t)(0xa0 + i));
	for (int i = 0; i < 4; i++)
		CHECK_EQ(out[1 + i].arg[1], (uint64_t)i);
	CHECK_EQ(vds_q_unregister_begin(&q), 0);
	CHECK_EQ(vds_q_unregister_finish(&q), 0);
	ht_report("queue: a slow live writer keeps its place; nothing lost or mixed");
}

int main(int argc, char **argv)
{
	if (argc > 1)
		total = atol(argv[1]);
	printf("1..10\n");
	test_basics();
	test_wrap();
	mpsc(1);
	mpsc(2);
	mpsc(4);
	mpsc(8);
	test_register_race();
	test_dead_writer();
	test_slow_writer();
	struct vds_shm_stats st;
	vds_shm_stats(&st);
	/* Only queue 7 (test_basics) is still registered: two blocks. */
	CHECK_EQ(st.blocks_live, 2);
	ht_report("queue: registrations freed their storage");
	return 0;
}
