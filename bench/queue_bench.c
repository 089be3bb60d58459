/*
 * Host throughput of the vdsOS receive queue against Concurrency Kit's
 * ck_ring (Debian libck-dev), same machine, same run: P producer threads
 * send 64-byte messages to one consumer thread. All rings hold 256 cells.
 * ck_ring is used two ways: carrying references, as ours does (each
 * producer writes its message into the next buffer of a pool of its own,
 * as many as an outbox has slots for messages to processes, and ck_ring
 * carries the buffer's address; the consumer copies the message out and
 * counts it, and a producer reuses a buffer only once that count is past
 * it), and copying each whole message into its cell and out again. Ours sends
 * as vdsOS does: each producer is a process with its own outbox, writes the
 * 64-byte SQE into a free slot of it and puts a one-word reference in a cell
 * with one CAS (q_send: the path of every system call and IPC message), or,
 * in the second column, claims a cell first and publishes into it once the
 * SQE is filled in place (vds_get_sqe/vds_sqe_release: two CASes on the
 * cell). The consumer copies each SQE out of the sender's outbox and checks
 * it (vds_q_pop, one message per pop). A producer has at most the outbox
 * slots not kept for the kernel (63) in flight. All yield when full or
 * empty, and all get the same threads on the same cores (pin()). The
 * implementations take turns within each round; each figure is the median
 * of 5 rounds. This machine may have fewer cores than threads: read the
 * ratio, not the absolute numbers.
 */
#define _GNU_SOURCE /* pthread_setaffinity_np */
#include <ck_ring.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "outbox.h"

__thread struct vds_self vds_self_block;
__thread struct executor vds_ex; /* no coroutines here (vdso/coro.c is not linked) */

/* The consumer's clock for claims never published (in the vDSO, clock_now()
 * reads the time CSR; vdso/internal.h). */
uint64_t vds_clock_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

#define CAP      256
#define PID_BASE 1000 /* producer in slot s: pid PID_BASE + s */

struct msg {
	struct vds_sqe sqe;
};
CK_RING_PROTOTYPE(msg, msg)

static long per_producer;
static int nprod;
static int claim; /* ours: claim, fill in place, publish (else q_send) */
static int qid;
static struct vds_obstate outbox[9]; /* each producer's own, by slot */
static ck_ring_t ring;
static struct msg ring_buf[CAP];

/* ck_ring carrying references: each producer's pool of message buffers,
 * and how many of its messages the consumer has copied out (a line each). */
#define POOL (VDS_OUTBOX_SLOTS - VDS_OUTBOX_KSLOTS)
static ck_ring_buffer_t ref_buf[CAP];
static struct vds_sqe pool[9][POOL] __attribute__((aligned(64)));
static struct {
	uint64_t n;
	uint64_t pad[7];
} copied[9] __attribute__((aligned(64)));

/*
 * Full or empty: give the core away at once, the same for both queues.
 * Spinning instead starves a preempted ck_ring producer (its multi-producer
 * enqueue waits, spinning, for every earlier producer to commit), and on
 * this project's 2-vCPU machines even 1P1C spinning measured 5x slower.
 */
static void backoff(int *spins)
{
	++*spins;
	sched_yield();
}

/*
 * Put the calling thread on one core: the consumer (n = 0) on the first,
 * producer n on core n modulo their number. Both queues get the same
 * placement, and a run no longer depends on where the host happened to
 * put its threads (the spread between runs was larger than the ratio).
 */
static void pin(long n)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET((int)(n % (cores > 0 ? cores : 1)), &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Make the calling thread the process in slot s (s 0: none, as the
 * receiver is). */
static void act_as(uint32_t s)
{
	vds_self_block.slot = s;
	vds_self_block.pid = s == 0 ? 0 : PID_BASE + (int)s;
}

/* Register the receiving queue (qid) and its consumer; receiver_close()
 * undoes it. Each run is a child process with a fresh copy of the shared
 * data. */
static struct vds_consumer *receiver_open(struct vds_qref *q)
{
	qid = 100;
	struct vds_consumer *c = malloc(sizeof(*c));
	if (c == NULL || vds_q_register(1, qid, CAP, 0, q) != 0)
		abort();
	vds_q_consumer(q, c);
	return c;
}

static void receiver_close(struct vds_qref *q, struct vds_consumer *c)
{
	vds_q_unregister_begin(q);
	vds_q_unregister_finish(q);
	free(c);
}

/* A producer: the process in slot `arg`, sending from its own outbox. */
static void *ours_producer(void *arg)
{
	uint32_t slot = (uint32_t)(long)arg;
	pin((long)slot);
	act_as(slot);
	struct vds_obstate *o = &outbox[slot];
	vds_ob_init(o, slot);
	struct vds_qref ref;
	if (vds_q_open(qid, &ref) != 0)
		abort();
	struct vds_sqe m;
	memset(&m, 0, sizeof(m));
	for (long i = 0; claim == 0 && i < per_producer; i++) {
		m.arg[0] = (uint64_t)slot;
		m.arg[1] = (uint64_t)i;
		int spins = 0;
		while (q_send(o, &ref, &m) < 0) /* no free slot or cell: wait */
			backoff(&spins);
	}
	for (long i = 0; claim != 0 && i < per_producer; i++) {
		struct vds_ticket t;
		int spins = 0;
		do {
			/* No free outbox slot or no free cell: wait for the consumer. */
			while (vds_q_get(o, &ref, &t) != 0)
				backoff(&spins);
			t.sqe->arg[0] = (uint64_t)slot;
			t.sqe->arg[1] = (uint64_t)i;
		} while (vds_sqe_release(&t) != 0); /* our claim was taken back: send again */
	}
	vds_q_close(&ref);
	return NULL;
}

static void *ck_producer(void *arg)
{
	pin((long)arg);
	struct msg m;
	memset(&m, 0, sizeof(m));
	for (long i = 0; i < per_producer; i++) {
		m.sqe.arg[0] = (uint64_t)(long)arg;
		m.sqe.arg[1] = (uint64_t)i;
		int spins = 0;
		while (!ck_ring_enqueue_mpsc_msg(&ring, ring_buf, &m))
			backoff(&spins);
	}
	return NULL;
}

/* A producer of references: the next buffer of its pool, once the
 * consumer has copied out what was last in it. */
static void *ref_producer(void *arg)
{
	long me = (long)arg;
	pin(me);
	uint64_t seen = 0; /* copied[me].n as last read */
	for (long i = 0; i < per_producer; i++) {
		int spins = 0;
		while ((uint64_t)i >= seen + POOL &&
		       (uint64_t)i >=
		           (seen = __atomic_load_n(&copied[me].n, __ATOMIC_ACQUIRE)) + POOL)
			backoff(&spins);
		struct vds_sqe *m = &pool[me][i % POOL];
		m->arg[0] = (uint64_t)me;
		m->arg[1] = (uint64_t)i;
		while (!ck_ring_enqueue_mpsc(&ring, ref_buf, m))
			backoff(&spins);
	}
	return NULL;
}

/* The consumer of references: copy the message out, count it for its
 * producer (release: the copy is done before the buffer is written again). */
static int ref_take(struct vds_sqe *out)
{
	void *v;
	if (!ck_ring_dequeue_spsc(&ring, ref_buf, &v))
		return 0;
	const struct vds_sqe *m = v;
	*out = *m;
	size_t p = (size_t)(m - &pool[0][0]) / POOL;
	__atomic_store_n(&copied[p].n, copied[p].n + 1, __ATOMIC_RELEASE);
	return 1;
}

/*
 * The consumer's side of a threaded run: start nprod producers, take
 * per_producer * nprod messages one at a time (take(): how many it got, 0
 * or 1), backing off when there is none. Messages a second. Inlined into
 * each run, so that take() is called directly there, as if written out.
 */
static inline __attribute__((always_inline)) double run_threads(void *(*producer)(void *),
                                                                int (*take)(void))
{
	pthread_t t[8];
	pin(0);
	double t0 = now();
	for (long i = 0; i < nprod; i++)
		pthread_create(&t[i], NULL, producer, (void *)(i + 1));
	long got = 0, want = per_producer * nprod;
	int spins = 0;
	while (got < want) {
		int n = take();
		if (n == 0)
			backoff(&spins);
		else
			spins = 0;
		got += n;
	}
	double dt = now() - t0;
	for (int i = 0; i < nprod; i++)
		pthread_join(t[i], NULL);
	return (double)want / dt;
}

static struct vds_consumer *consumer; /* ours, in run_ours() */

static int ours_take(void)
{
	struct vds_sqe out[1];
	return vds_q_pop(consumer, out, 1);
}

static int refs_take(void)
{
	struct vds_sqe m;
	return ref_take(&m);
}

static int ck_take(void)
{
	struct msg m;
	return ck_ring_dequeue_spsc_msg(&ring, ring_buf, &m);
}

static double run_ours(void)
{
	struct vds_qref q;
	consumer = receiver_open(&q);
	double r = run_threads(ours_producer, ours_take);
	receiver_close(&q, consumer);
	return r;
}

static double run_ck_refs(void)
{
	ck_ring_init(&ring, CAP);
	return run_threads(ref_producer, refs_take);
}

static double run_ck(void)
{
	ck_ring_init(&ring, CAP);
	return run_threads(ck_producer, ck_take);
}

/*
 * Both queues without a second thread: one thread sends ALONE_BATCH
 * messages, then takes them out again, and so on. Nothing is contended and
 * no cache line moves between cores, so what is left is each queue's own
 * work per message, and the figure is steady from run to run (the
 * threaded ones are not, on a small virtual machine).
 */
#define ALONE_BATCH 32

static double alone_ours(void)
{
	struct vds_qref q, ref;
	struct vds_consumer *c = receiver_open(&q);
	struct vds_obstate *o = &outbox[1];
	vds_ob_init(o, 1);
	struct vds_sqe m, out[1];
	memset(&m, 0, sizeof(m));
	/* The sender is the process in slot 1; the receiver, as in run_ours(),
	 * no process (slot 0). */
	act_as(1);
	if (vds_q_open(qid, &ref) != 0)
		abort();
	long n = per_producer - per_producer % ALONE_BATCH;
	double t0 = now();
	for (long i = 0; i < n; i += ALONE_BATCH) {
		act_as(1);
		for (int j = 0; j < ALONE_BATCH; j++) {
			m.arg[1] = (uint64_t)(i + j);
			if (q_send(o, &ref, &m) < 0)
				abort();
		}
		act_as(0);
		for (int j = 0; j < ALONE_BATCH; j++)
			if (vds_q_pop(c, out, 1) != 1 || out->arg[1] != (uint64_t)(i + j))
				abort();
	}
	double r = (double)n / (now() - t0);
	act_as(1);
	vds_q_close(&ref);
	act_as(0);
	receiver_close(&q, c);
	return r;
}

static double alone_ck(void)
{
	ck_ring_init(&ring, CAP);
	struct msg m;
	memset(&m, 0, sizeof(m));
	long n = per_producer - per_producer % ALONE_BATCH;
	double t0 = now();
	for (long i = 0; i < n; i += ALONE_BATCH) {
		for (int j = 0; j < ALONE_BATCH; j++) {
			m.sqe.arg[1] = (uint64_t)(i + j);
			if (!ck_ring_enqueue_mpsc_msg(&ring, ring_buf, &m))
				abort();
		}
		for (int j = 0; j < ALONE_BATCH; j++)
			if (!ck_ring_dequeue_spsc_msg(&ring, ring_buf, &m) ||
			    m.sqe.arg[1] != (uint64_t)(i + j))
				abort();
	}
	return (double)n / (now() - t0);
}

/* References alone: the producer in slot 1 writes ALONE_BATCH messages into
 * its pool (never more than POOL ahead), then the consumer takes them. */
static double alone_ck_refs(void)
{
	ck_ring_init(&ring, CAP);
	struct vds_sqe out;
	long n = per_producer - per_producer % ALONE_BATCH;
	double t0 = now();
	for (long i = 0; i < n; i += ALONE_BATCH) {
		for (int j = 0; j < ALONE_BATCH; j++) {
			struct vds_sqe *m = &pool[1][(i + j) % POOL];
			m->arg[1] = (uint64_t)(i + j);
			if ((uint64_t)(i + j) >= copied[1].n + POOL ||
			    !ck_ring_enqueue_mpsc(&ring, ref_buf, m))
				abort();
		}
		for (int j = 0; j < ALONE_BATCH; j++)
			if (!ref_take(&out) || out.arg[1] != (uint64_t)(i + j))
				abort();
	}
	return (double)n / (now() - t0);
}

#define ROUNDS    5
#define RUN_LIMIT 20 /* seconds; a run still going then has stalled */

/*
 * Run one measurement in a child process, so that a stall cannot hang the
 * benchmark: ck_ring's multi-producer enqueue spins, without yielding,
 * until every earlier producer has committed, so when the next one to
 * commit is preempted the others can hold every core (a producer convoy).
 * Returns messages/s, or -1 if the run stalled.
 */
static double run_limited(double (*fn)(void))
{
	int fd[2];
	if (pipe(fd) != 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		double r = fn();
		ssize_t n = write(fd[1], &r, sizeof(r));
		_exit(n == sizeof(r) ? 0 : 1);
	}
	close(fd[1]);
	double r = -1;
	struct pollfd p = { .fd = fd[0], .events = POLLIN };
	if (poll(&p, 1, RUN_LIMIT * 1000) == 1 && read(fd[0], &r, sizeof(r)) != sizeof(r))
		r = -1;
	close(fd[0]);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return r;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v)
{
	for (int i = 0; i < ROUNDS; i++)
		if (v[i] < 0)
			v[i] = 0;
	qsort(v, ROUNDS, sizeof(double), cmp);
	return v[ROUNDS / 2];
}

/* A ratio of two medians, or a dash when the second queue's runs mostly
 * stalled; then the lowest and highest of the rounds' own ratios. */
static void print_ratio(double o, double c, double *ratio)
{
	qsort(ratio, ROUNDS, sizeof(double), cmp);
	if (c > 0)
		printf(" %6.2fx %4.2f-%4.2f", o / c, ratio[0], ratio[ROUNDS - 1]);
	else
		printf(" %7s %4.2f-%4.2f", "-", ratio[0], ratio[ROUNDS - 1]);
}

int main(int argc, char **argv)
{
	long total = argc > 1 ? atol(argv[1]) : 2000000;
	for (int s = 1; s <= 8; s++) /* the kernel records who owns each outbox */
		vds_sh.k.ob_pid[s] = PID_BASE + s;
	printf("host queue throughput, %ld messages of 64 bytes per run, median of %d (Mmsg/s),\n"
	       "and vdsOS send against ck_ring (median ratio, lowest-highest of the rounds):\n",
	       total, ROUNDS);
	printf("  %-6s %7s %11s %9s %9s   %-20s %s\n", "", "vdsOS", "vdsOS", "ck_ring", "ck_ring",
	       "against ck_ring", "against ck_ring");
	printf("  %-6s %7s %11s %9s %9s   %-20s %s\n", "", "send", "claim+fill", "refs", "copies",
	       "refs", "copies");
	int configs[] = { 0, 1, 2, 4 };
	for (int k = 0; k < 4; k++) {
		double one[ROUNDS], two[ROUNDS], refs[ROUNDS], ck[ROUNDS];
		double rr[ROUNDS], rc[ROUNDS];
		nprod = configs[k];
		per_producer = nprod ? total / nprod : total;
		int stalls = 0;
		for (int r = 0; r < ROUNDS; r++) {
			/* the runs of a round are next to each other in time */
			claim = 0;
			one[r] = run_limited(nprod ? run_ours : alone_ours);
			claim = 1;
			two[r] = nprod ? run_limited(run_ours) : 0;
			refs[r] = run_limited(nprod ? run_ck_refs : alone_ck_refs);
			ck[r] = run_limited(nprod ? run_ck : alone_ck);
			stalls += (one[r] < 0) + (two[r] < 0) + (refs[r] < 0) + (ck[r] < 0);
			rr[r] = one[r] > 0 && refs[r] > 0 ? one[r] / refs[r] : 0;
			rc[r] = one[r] > 0 && ck[r] > 0 ? one[r] / ck[r] : 0;
		}
		double o = median(one), t = median(two), f = median(refs), c = median(ck);
		if (nprod)
			printf("  %dP1C   %7.2f %11.2f", nprod, o / 1e6, t / 1e6);
		else
			printf("  alone  %7.2f %11s", o / 1e6, "");
		printf(" %9.2f %9.2f  ", f / 1e6, c / 1e6);
		print_ratio(o, f, rr);
		printf("   ");
		print_ratio(o, c, rc);
		if (stalls)
			printf("   (%d run%s stalled past %d s: 0)", stalls, stalls > 1 ? "s" : "",
			       RUN_LIMIT);
		printf("\n");
	}
	printf("  refs: ck_ring carries the address of the message in the producer's own\n"
	       "  buffers, as ours does; copies: the whole message in ck_ring's cell. One\n"
	       "  message per dequeue everywhere; %ld cores; alone: one thread sends %d,\n"
	       "  then takes them out, without contention\n",
	       sysconf(_SC_NPROCESSORS_ONLN), ALONE_BATCH);
	return 0;
}
