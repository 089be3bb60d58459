/*
 * Messaging for processes: send to an id, call (send, then wait for the
 * reply), wait for a request matching (sender, op), reply. The kernel
 * serves its own queue with its own loop (kernel/syscall.c) and uses only
 * the queue functions below this layer.
 *
 * Calls. Each call in flight has one of VDS_CALLS_MAX call slots; its tag
 * says which (tag % VDS_CALLS_MAX), so a reply finds its call in O(1) and
 * is kept there until collected. A reply that matches no call waiting for
 * it (a duplicate, or one a process made up) is dropped. A call beyond
 * VDS_CALLS_MAX - 1 in flight (the last slot is kept for VDS_SQE_RESERVE
 * calls) waits for one of the earlier ones to be answered (or fails with
 * -VDS_EAGAIN under VDS_SQE_NOWAIT): so the kernel always has room for
 * every reply it owes us, and never drops one. Replies nobody collected
 * yet move out of their slot into memory from the host when a new call
 * needs the slot, so a program may send any number of calls before it
 * collects the first.
 *
 * Requests. A request nobody waits for yet is stashed (a bounded ring in
 * local memory); when the stash is full it is answered -VDS_EBUSY at once.
 *
 * Polling. Whoever waits polls: main pops its own queue itself; coroutines
 * block, and a poller coroutine pops for them. With nothing to do the
 * poller follows io_uring's SQPOLL protocol (set need_wakeup, look once
 * more, sleep through the doorbell). A receiver that died ends the calls
 * waiting for it with -VDS_EDEAD (the kernel counts deaths in kernel-owned
 * data and rings sleepers).
 */
#include <vdsos/mark.h>
#include "internal.h"
#include "outbox.h"

#define BATCH         32                  /* messages per poll() (all of them after a death) */
#define NREQ          64                  /* requests waiting for a recv */
#define BACKOFF_TRIES 1000                /* full receiver: give up with -VDS_EAGAIN after this */
#define SPIN_NS       200000              /* with spare harts, poll this long before sleeping */
#define RESERVED_SLOT (VDS_CALLS_MAX - 1) /* the call slot of VDS_SQE_RESERVE calls */
/* Flags of a request that are the messaging's own, not the caller's. */
#define CALL_FLAGS_DROPPED (VDS_SQE_REPLY | VDS_SQE_NOREPLY | VDS_SQE_NOWAIT | VDS_SQE_RESERVE)
#define QUICK_LOOKS        4096 /* a system call's first wait for a woken kernel */

enum { CALL_FREE, CALL_WAITING, CALL_DONE };

struct call {
	uint64_t tag;
	int32_t target;
	uint32_t state;
	uint32_t slot;   /* of our outbox, holding the request */
	uint64_t seq;    /* the request's number there */
	struct coro *co; /* the coroutine waiting for it, if any */
	struct vds_sqe rep;
};

/* A reply nobody has collected yet, moved out of its call slot. */
struct done {
	struct done *next;
	struct vds_sqe rep;
};

struct req_waiter {
	struct coro *co; /* NULL: main */
	int32_t sender, op;
	struct vds_sqe *out;
	uint32_t done;
	struct req_waiter *next;
};

/* The small words first: one base register reaches them all (the large
 * arrays last). */
static VDS_LOCAL struct {
	int started;
	int pending_wake;   /* a doorbell to ring when we next sleep, or -1 (0 until started) */
	uint32_t call_next; /* where the search for a free call slot starts */
	uint32_t ncalls;    /* waiting for their reply */
	uint64_t tag_gen;
	uint64_t arrivals; /* replies matched so far */
	struct done *done_head, *done_tail;
	struct req_waiter *waiters, *waiters_tail;
	uint32_t req_head, req_n;
	uint32_t co_waiting; /* coroutines waiting for a message */
	int poller_parked;
	struct coro *poller;
	uint64_t deaths; /* vds_sh.k.deaths when we last looked */
	struct vds_msg_stats stats;
	struct vds_qref k0; /* the kernel's queue (never unregistered: no hold) */
	struct call calls[VDS_CALLS_MAX];
	struct vds_sqe reqs[NREQ]; /* stashed requests: a ring, oldest at req_head */
} msg;

static const struct vds_host_ops *host(void)
{
	return co_host();
}

/* ---- sending ---- */

/* Ring id's doorbell now, or, if the caller is about to wait anyway, when
 * it goes to sleep: one trap for both (and for a batch of calls). */
static void ring(int id, int defer)
{
	if (defer && (msg.pending_wake < 0 || msg.pending_wake == id))
		msg.pending_wake = id;
	else
		host()->ring(id);
}

static void flush_pending(void)
{
	if (msg.pending_wake >= 0) {
		int id = msg.pending_wake;
		msg.pending_wake = -1;
		host()->ring(id);
	}
}

/* After a message went to q (queue dst), held by q_enter(): leave q, and
 * ring its owner if it sleeps. */
static inline void sent(int dst, const struct vds_qref *q, int defer)
{
	if (dst != VDS_KERNEL_ID)
		q_unhold(q);
	if (q_need_wakeup(q)) /* after the publish: the SQPOLL handshake */
		ring(dst, defer);
}

/* send() when its first try did not go: every slot and every cell
 * looked at, and the receiver let run between tries. */
static __attribute__((noinline)) int send_retry(int dst, const struct vds_qref *q,
                                                const struct vds_sqe *m, int defer)
{
	/* A copy: others may run while we back off, and open queues. */
	struct vds_qref held = *q;
	int r;
	for (int tries = 0; (r = q_send(&vds_mine, &held, m)) == -VDS_EAGAIN; tries++) {
		if (tries == BACKOFF_TRIES)
			break;
		host()->backoff(dst); /* full, or our slots in flight: let the receiver run */
	}
	if (r < 0) {
		if (dst != VDS_KERNEL_ID)
			q_unhold(&held);
		return r;
	}
	sent(dst, &held, defer);
	return r;
}

/*
 * Send a copy of *m to dst. Returns the outbox slot it went in, or an
 * error (-VDS_ENOQUEUE: no such queue; -VDS_EAGAIN: still full after all
 * our tries). The usual case goes as call_direct() does: written once into
 * the oldest slot of our outbox, one CAS in the cell at the tail; anything
 * else goes to send_retry().
 */
static int send(int dst, const struct vds_sqe *m, int defer)
{
	const struct vds_qref *q = &msg.k0; /* the kernel's queue is never unregistered */
	if (dst != VDS_KERNEL_ID && (q = q_enter(dst)) == NULL)
		return -VDS_ENOQUEUE;
	uint32_t k;
	struct vds_sqe *d = slot_oldest(&vds_mine, q, &k);
	if (d == NULL)
		return send_retry(dst, q, m, defer);
	sqe_copy_in(d, m);
	if (put_once(&vds_mine, q, k) < 0)
		return send_retry(dst, q, m, defer); /* the slot is free again */
	sent(dst, q, defer);
	return (int)k;
}

VDS_API int vds_send(int dst, const struct vds_sqe *m)
{
	int r = send(dst, m, 0);
	return r < 0 ? r : 0;
}

/* Make rep the answer to req: its op and tag, and the reply flag. */
static inline void reply_header(const struct vds_sqe *req, struct vds_sqe *rep)
{
	rep->op = req->op;
	rep->tag = req->tag;
	rep->flags = (uint16_t)((rep->flags & ~(VDS_SQE_NOREPLY | VDS_SQE_NOWAIT)) | VDS_SQE_REPLY);
}

static int reply(const struct vds_sqe *req, struct vds_sqe *rep, int defer)
{
	reply_header(req, rep);
	int r = send(req->sender, rep, defer);
	return r < 0 ? r : 0;
}

/* Answer request req with rep (op, tag and the reply flag are filled in). */
VDS_API int vds_reply(const struct vds_sqe *req, struct vds_sqe *rep)
{
	return reply(req, rep, 0);
}

/* ---- receiving ---- */

static void wake(struct coro *co)
{
	if (co) {
		msg.co_waiting--;
		co_make_ready(co);
	}
}

/* Call c's reply came: c moves to state (CALL_DONE: kept for its
 * waiter; CALL_FREE: its waiter took it already). */
static inline void call_answered(struct call *c, uint32_t state)
{
	c->state = state;
	msg.ncalls--;
	msg.arrivals++;
	msg.stats.replies++;
	ob_consumed(&vds_mine, c->slot, c->seq); /* it was read: its answer is here */
}

static void got_reply(const struct vds_sqe *m)
{
	struct call *c = &msg.calls[m->tag % VDS_CALLS_MAX];
	if (c->state != CALL_WAITING || c->tag != m->tag || c->target != m->sender) {
		msg.stats.unmatched++;
		return;
	}
	c->rep = *m;
	call_answered(c, CALL_DONE);
	if (c->co) {
		wake(c->co);
		c->co = NULL;
	}
}

static int req_matches(const struct req_waiter *w, const struct vds_sqe *m)
{
	return (w->sender < 0 || m->sender == w->sender) && (w->op < 0 || m->op == w->op);
}

static struct vds_sqe *stash_at(uint32_t i)
{
	return &msg.reqs[(msg.req_head + i) % NREQ];
}

static void got_request(const struct vds_sqe *m)
{
	struct req_waiter *prev = NULL;
	for (struct req_waiter *w = msg.waiters; w; prev = w, w = w->next) {
		if (!req_matches(w, m))
			continue;
		if (prev)
			prev->next = w->next;
		else
			msg.waiters = w->next;
		if (msg.waiters_tail == w)
			msg.waiters_tail = prev;
		*w->out = *m;
		w->done = 1;
		wake(w->co);
		return;
	}
	if (msg.req_n < NREQ) {
		*stash_at(msg.req_n++) = *m;
		return;
	}
	if (m->flags & VDS_SQE_NOREPLY)
		return;
	struct vds_sqe busy = { 0 };
	busy.arg[0] = (uint64_t)(int64_t)-VDS_EBUSY;
	msg.stats.refused++;
	reply(m, &busy, 0);
}

/* Hand out a message popped from our queue. */
static void dispatch(const struct vds_sqe *m)
{
	if (m->flags & VDS_SQE_REPLY)
		got_reply(m);
	else
		got_request(m);
}

/* Does call c wait for a receiver that is gone? */
static int call_is_orphan(const struct call *c)
{
	return c->state == CALL_WAITING && c->target != VDS_KERNEL_ID && !q_exists(c->target);
}

/* Calls to receivers that died end with -VDS_EDEAD. */
static void reap_calls(void)
{
	uint32_t i = 0;
	while (i < VDS_CALLS_MAX && !call_is_orphan(&msg.calls[i]))
		i++;
	if (i == VDS_CALLS_MAX)
		return;
	/* A receiver we wait for is gone. It may have answered and gone after
	 * poll() last found our queue empty: its answer counts. We saw its
	 * queue unregistered (acquire, in q_exists), which came after it
	 * published, so what it published is there now: take it first (at
	 * most a queue's worth: senders that keep sending cannot hold us). */
	struct vds_sqe m;
	for (uint32_t n = 0; n <= vds_me.q.mask && q_pop1(&vds_me, &m); n++)
		dispatch(&m);
	for (; i < VDS_CALLS_MAX; i++) {
		struct call *c = &msg.calls[i];
		if (!call_is_orphan(c))
			continue;
		struct vds_sqe dead = { .flags = VDS_SQE_REPLY, .tag = c->tag };
		dead.sender = c->target;
		dead.arg[0] = (uint64_t)(int64_t)-VDS_EDEAD;
		got_reply(&dead);
		msg.stats.replies--;
		msg.stats.dead++;
	}
}

/* Pop what is there and hand it out. Returns how many messages came. */
static int poll(void)
{
	uint64_t deaths = __atomic_load_n(&vds_sh.k.deaths, __ATOMIC_ACQUIRE);
	struct vds_sqe m;
	int n = 0;
	/* After a death, everything first: a reply sent before its sender
	 * died must count before the call is declared dead. */
	while ((n < BATCH || deaths != msg.deaths) && q_pop1(&vds_me, &m)) {
		dispatch(&m);
		n++;
	}
	if (deaths != msg.deaths) {
		msg.deaths = deaths;
		reap_calls();
	}
	return n;
}

/* Has a process died since poll() last looked (calls to it are owed an
 * answer: reap_calls)? */
static inline int deaths_news(void)
{
	return __atomic_load_n(&vds_sh.k.deaths, __ATOMIC_RELAXED) != msg.deaths;
}

/* Has anything come that poll() would hand out? One look at our queue's
 * head, and at the kernel's count of deaths. */
static inline int news(void)
{
	return q_ready(&vds_me) || deaths_news();
}

/* Watch our queue (and the kernel's count of deaths) up to SPIN_NS: 1 if
 * something came. Each look is a few instructions, bracketed for the
 * plugin (docs/BENCH.md); the clock is read only every 64 looks. */
static int spin(void)
{
	uint64_t until = 0;
	int got;
	VDS_MARK_SPIN_BEGIN();
	for (uint32_t i = 1;; i++) {
		got = news();
		if (got)
			break;
		if ((i & 63) == 0) {
			uint64_t now = clock_now();
			if (until == 0)
				until = now + SPIN_NS;
			else if (now > until)
				break;
		}
		spin_pause();
	}
	VDS_MARK_SPIN_END();
	return got;
}

/*
 * Can the message we wait for (from queue `from`, -1: anyone) come while
 * we keep this hart? With two harts or more, the kernel has one of its
 * own; processes share the others, so another process can answer while
 * we poll only if there are two of those. Otherwise polling would only
 * keep the hart from the process we wait for.
 */
static int sender_runs_elsewhere(int from)
{
	uint32_t n = vds_self_block.ncpu;
	return n > 2 || (n == 2 && from == VDS_KERNEL_ID);
}

/*
 * Sleep through the doorbell, ringing id (-1: nobody) in the same trap:
 * say we sleep (need_wakeup), look once more, and sleep only if nothing
 * is there. 1 if we slept (and rang id), 0 if the look found something
 * (id is not rung then: the caller keeps it owed).
 */
static inline int sleep_once(int id)
{
	/* LAB doorbell: BEGIN sleep through the doorbell without missing a message */
	q_set_need_wakeup(&vds_me, 1); /* then look once more: see q_set_need_wakeup */
	if (!q_is_empty(&vds_me) || deaths_news() || exec_has_work()) {
		q_set_need_wakeup(&vds_me, 0);
		return 0;
	}
	host()->idle(id); /* returns when rung (or spuriously) */
	q_set_need_wakeup(&vds_me, 0);
	return 1;
	/* LAB doorbell: STUB */
#if 0
	host()->idle(id); /* returns when rung (or spuriously) */
	return 1;
#endif
	/* LAB doorbell: END */
}

/*
 * Nothing to do. If the sender may be running on another hart, poll our
 * queue a while first (the kernel's hart answers fast: each look is a few
 * instructions); then sleep through the doorbell (sleep_once). A message
 * still being written at the head is not nothing: let others run (its
 * writer, perhaps) instead of sleeping.
 */
static void idle(int from)
{
	const struct vds_host_ops *h = host();
	if (sender_runs_elsewhere(from)) {
		flush_pending();
		if (spin())
			return;
	}
	if (q_claimed(&vds_me)) {
		/* A message still being written: let its writer run; poll() gives
		 * up on it if it is not published within the bound. */
		poll();
		int id = msg.pending_wake;
		msg.pending_wake = -1;
		h->backoff(id);
		return;
	}
	if (sleep_once(msg.pending_wake))
		msg.pending_wake = -1; /* rung; if something came instead, still owed */
}

/* The poller coroutine: pops for coroutines that wait, parks when none do. */
static void poller(void *arg)
{
	(void)arg;
	for (;;) {
		if (msg.co_waiting == 0) {
			msg.poller_parked = 1;
			co_block();
			continue;
		}
		if (poll() > 0 || exec_has_work()) {
			flush_pending();
			vds_co_yield();
			continue;
		}
		idle(-1);
	}
}

/* The running coroutine will wait for a message: make sure someone polls. */
static void co_will_wait(void)
{
	msg.co_waiting++;
	if (msg.poller_parked) {
		msg.poller_parked = 0;
		co_make_ready(msg.poller);
	}
}

/* main (not a coroutine) waits while *word == value: poll, run the
 * coroutines, sleep. */
static void main_wait(const uint32_t *word, uint32_t value)
{
	while (__atomic_load_n(word, __ATOMIC_RELAXED) == value) {
		if (news()) {
			poll();
			continue;
		}
		if (exec_has_work()) {
			vds_exec_run();
			continue;
		}
		if (__atomic_load_n(word, __ATOMIC_RELAXED) == value)
			idle(-1);
	}
	flush_pending();
}

/* Wait for anything to happen: a message, a coroutine to run, a death. */
static void wait_any(void)
{
	if (poll() > 0)
		return;
	if (exec_has_work()) {
		if (co_self())
			vds_co_yield();
		else
			vds_exec_run();
		return;
	}
	idle(-1);
}

/* ---- calls ---- */

/*
 * Move the reply of answered call c out of its slot, into memory from the
 * host. The slot is freed first: the allocation may grow the heap with an
 * sbrk call (in the reserved slot), and coroutines that run while it waits
 * must not find this reply still there and evict it a second time. 0, or
 * -1 if there was no memory (the reply goes back in its slot if that is
 * still free).
 */
static int evict(struct call *c)
{
	struct vds_sqe rep = c->rep;
	c->state = CALL_FREE;
	struct done *d = host()->alloc(sizeof(*d));
	if (d == NULL) {
		if (c->state == CALL_FREE) { /* the slot is still (or again) free */
			c->rep = rep;
			c->state = CALL_DONE;
			return -1;
		}
		return -1; /* a coroutine's call took the slot meanwhile: the reply is lost */
	}
	d->rep = rep;
	d->next = NULL;
	if (msg.done_tail)
		msg.done_tail->next = d;
	else
		msg.done_head = d;
	msg.done_tail = d;
	return 0;
}

/*
 * A call slot: a free one, else one whose reply we move out (evict). With
 * VDS_CALLS_MAX - 1 calls waiting for replies, wait for one (or return
 * NULL under VDS_SQE_NOWAIT). The last slot is kept for VDS_SQE_RESERVE
 * calls: the runtime's heap growth, which must never wait for, or move,
 * other calls' replies.
 */
static struct call *call_slot(uint16_t flags)
{
	if (flags & VDS_SQE_RESERVE) {
		struct call *c = &msg.calls[RESERVED_SLOT];
		while (c->state != CALL_FREE)
			wait_any();
		return c;
	}
	for (;;) {
		for (uint32_t n = 0; n < RESERVED_SLOT; n++) {
			struct call *c = &msg.calls[msg.call_next];
			msg.call_next = (msg.call_next + 1) % RESERVED_SLOT;
			if (c->state == CALL_FREE)
				return c;
		}
		for (uint32_t n = 0; n < RESERVED_SLOT; n++) {
			struct call *c = &msg.calls[n];
			if (c->state == CALL_DONE && c->co == NULL && evict(c) == 0 &&
			    c->state == CALL_FREE)
				return c;
		}
		if (flags & VDS_SQE_NOWAIT)
			return NULL;
		msg.stats.full_waits++;
		uint64_t before = msg.arrivals;
		while (msg.arrivals == before) /* until some reply comes in */
			wait_any();
	}
}

/* Call c's request went to dst from outbox slot k: it waits for its
 * reply. (The slot holds the request's number until we write it again,
 * which we do only once the request is read.) */
static inline void call_sent(struct call *c, int dst, uint32_t k)
{
	c->target = dst;
	c->co = NULL;
	c->slot = k;
	c->seq = __atomic_load_n(&vds_mine.slots[k].seq, __ATOMIC_RELAXED);
	c->state = CALL_WAITING;
	msg.ncalls++;
	msg.stats.calls++;
}

/* Send req to dst as call c (the caller filled c->tag): 0, or an error
 * and the slot is free again. */
static int call_send(struct call *c, int dst, struct vds_sqe *req)
{
	req->tag = c->tag;
	req->flags &= (uint16_t)~CALL_FLAGS_DROPPED;
	int k = send(dst, req, 1);
	if (k < 0)
		return k;
	call_sent(c, dst, (uint32_t)k);
	return 0;
}

/* The tag of the next call in call slot i (msg.tag_gen++ once it is sent):
 * the slot's number, and a count that makes it unique. */
static inline uint64_t call_tag(uint32_t i)
{
	return (msg.tag_gen + 1) * VDS_CALLS_MAX + i;
}

/*
 * Write a message (op, flags, tag, a0..a4) straight into slot k of our
 * outbox, taken by slot_oldest(), and put its reference in the free cell
 * at q's tail with one CAS: 0, or -1 if that cell was taken or the queue
 * is full (nothing was sent; the slot is free again, its number taken
 * back by slot_abandoned). put()'s first try is all the usual case needs;
 * the rest is for the general way.
 */
static inline __attribute__((always_inline)) int put_direct(const struct vds_qref *q, uint32_t k,
                                                            uint16_t op, uint16_t flags,
                                                            uint64_t tag, uint64_t a0, uint64_t a1,
                                                            uint64_t a2, uint64_t a3, uint64_t a4)
{
	struct vds_sqe *m = &vds_mine.slots[k];
	m->op = op;
	m->flags = flags;
	m->tag = tag;
	m->arg[0] = a0;
	m->arg[1] = a1;
	m->arg[2] = a2;
	m->arg[3] = a3;
	m->arg[4] = a4;
	return put_once(&vds_mine, q, k);
}

/*
 * The direct way to make a call from main: the request is written once,
 * straight into the oldest slot of our outbox, one CAS puts its reference
 * in the free cell at q's tail, and the next call slot records it. NULL
 * if anything is unusual (a coroutine, no free call slot, the oldest slot
 * in flight, a contended or full queue): nothing was sent, and the caller
 * goes the general way.
 */
static inline __attribute__((always_inline)) struct call *
call_direct(const struct vds_qref *q, int dst, uint16_t op, uint16_t flags, uint64_t a0,
            uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
	uint32_t i = msg.call_next, k;
	struct call *c = &msg.calls[i];
	if (!msg.started || c->state != CALL_FREE || co_self() != NULL ||
	    slot_oldest(&vds_mine, q, &k) == NULL)
		return NULL;
	uint64_t tag = call_tag(i);
	if (put_direct(q, k, op, flags, tag, a0, a1, a2, a3, a4) < 0)
		return NULL;
	msg.tag_gen++;
	msg.call_next = i + 1 < RESERVED_SLOT ? i + 1 : 0;
	c->tag = tag;
	call_sent(c, dst, k);
	return c;
}

/*
 * Start call req to dst the direct way (call_direct), from main: the
 * call, or NULL if it must go the general way (nothing was sent then). A
 * receiver that sleeps is rung when we wait (deferred: one trap wakes it
 * and puts us to sleep, and a batch rings once).
 */
static inline __attribute__((always_inline)) struct call *call_start(int dst, struct vds_sqe *req)
{
	const struct vds_qref *q = &msg.k0;
	if ((req->flags & VDS_SQE_RESERVE) ||
	    (dst != VDS_KERNEL_ID && (co_self() != NULL || (q = q_enter(dst)) == NULL)))
		return NULL;
	req->flags &= (uint16_t)~CALL_FLAGS_DROPPED;
	struct call *c = call_direct(q, dst, req->op, req->flags, req->arg[0], req->arg[1],
	                             req->arg[2], req->arg[3], req->arg[4]);
	if (dst != VDS_KERNEL_ID)
		q_unhold(q);
	if (c == NULL)
		return NULL;
	req->tag = c->tag;
	if (q_need_wakeup(q)) /* after the publish: the SQPOLL handshake */
		ring(dst, 1);
	return c;
}

/* Start call req to dst the general way: any free call slot (waiting for
 * one if need be), and send() with its retries. The tag, or an error. */
static int64_t call_general(int dst, struct vds_sqe *req)
{
	if (!msg.started)
		return -VDS_EINVAL;
	uint32_t i = msg.call_next;
	struct call *c = &msg.calls[i];
	if (c->state == CALL_FREE && !(req->flags & VDS_SQE_RESERVE))
		msg.call_next = i + 1 < RESERVED_SLOT ? i + 1 : 0; /* the usual case */
	else if ((c = call_slot(req->flags)) == NULL)
		return -VDS_EAGAIN;
	c->tag = call_tag((uint32_t)(c - msg.calls));
	msg.tag_gen++;
	int r = call_send(c, dst, req);
	return r < 0 ? r : (int64_t)c->tag;
}

/* Send req without waiting; vds_wait_reply(dst, tag) collects the answer.
 * Returns the tag, or a negative error. (Batching: send many, then wait.) */
VDS_API int64_t vds_call_async(int dst, struct vds_sqe *req)
{
	struct call *c = call_start(dst, req);
	return c != NULL ? (int64_t)c->tag : call_general(dst, req);
}

static inline int is_reply(const struct vds_sqe *m, uint64_t tag, int from)
{
	return m->tag == tag && m->sender == from && (m->flags & VDS_SQE_REPLY);
}

/* main popped the reply to call c itself: c is free again. */
static inline void call_collected(struct call *c)
{
	call_answered(c, CALL_FREE);
	flush_pending();
}

/*
 * main waits for the reply to call c (tag, from dst) in *rep: 0, or an
 * error as vds_wait_reply() gives. The fast way: pop our own queue and
 * match the tag right there (the reply is usually the first message in
 * it); anything else that comes is handed out as poll() would, from *rep
 * (so *rep is the reply only if 0 is returned). If dst may be running on
 * another hart, an empty queue is watched a while, a few instructions a
 * look (reported apart by the plugin: docs/BENCH.md), before idle() sleeps.
 */
static inline __attribute__((always_inline)) int main_collect(struct call *c, uint64_t tag, int dst,
                                                              struct vds_sqe *rep)
{
	/* dst said it sleeps when our request went out, and has not been rung
	 * yet (we ring as we go to sleep): its reply is almost never here
	 * (only if dst saw the request in its last look before sleeping), so
	 * go straight to idle(), which looks at our queue once it has said it
	 * sleeps, and finds it then. If dst runs on another hart, its reply
	 * is not here yet either (we sent the request a moment ago): idle()
	 * watches for it, each look a few instructions. */
	if ((msg.pending_wake == dst || sender_runs_elsewhere(dst)) && c->state == CALL_WAITING)
		idle(dst);
	while (c->state == CALL_WAITING) {
		/* An empty queue costs one look here: what came meanwhile is
		 * for idle() to see (it looks again before it sleeps). */
		if (q_pop1(&vds_me, rep)) {
			if (is_reply(rep, tag, dst)) {
				call_collected(c);
				return 0;
			}
			dispatch(rep);
			continue;
		}
		if (deaths_news()) {
			poll(); /* calls to the dead are answered (reap_calls) */
			continue;
		}
		if (exec_has_work()) {
			vds_exec_run();
			continue;
		}
		idle(dst);
	}
	flush_pending();
	return vds_wait_reply(dst, tag, rep); /* it came through dispatch() */
}

/* main_collect() after a first pop (if anything was popped: *rep) that
 * did not bring the reply: that message handed out, the general wait. */
static __attribute__((noinline)) int collect_rest(struct call *c, int dst, struct vds_sqe *rep,
                                                  int popped)
{
	if (popped)
		dispatch(rep);
	return main_collect(c, c->tag, dst, rep);
}

/*
 * main collects the reply to call c (from dst) in *rep: 0, or an error as
 * vds_wait_reply() gives. The usual case, the reply at the head of our
 * queue, is one pop and the tag matched, without a loop, a call or a
 * saved register; anything else goes to collect_rest().
 */
static inline __attribute__((always_inline)) int collect(struct call *c, int dst,
                                                         struct vds_sqe *rep)
{
	int popped = q_pop_once(&vds_me, rep);
	if (popped && is_reply(rep, c->tag, dst)) {
		call_collected(c);
		return 0;
	}
	return collect_rest(c, dst, rep, popped);
}

/* vds_wait_reply() but for its usual case from main. */
static __attribute__((noinline)) int wait_reply_slow(int sender, uint64_t tag, struct vds_sqe *rep)
{
	if (!msg.started)
		return -VDS_EINVAL;
	for (;;) {
		struct call *c = &msg.calls[tag % VDS_CALLS_MAX];
		int mine = c->tag == tag && c->target == sender;
		if (mine && c->state == CALL_DONE) {
			*rep = c->rep;
			c->state = CALL_FREE;
			return 0;
		}
		if (!mine || c->state != CALL_WAITING)
			break; /* answered, and moved to the done list (or never made) */
		struct coro *co = co_self();
		if (co == NULL) /* pops our queue and matches the tag there */
			return main_collect(c, tag, sender, rep);
		c->co = co;
		co_will_wait();
		co_block(); /* got_reply() makes us ready */
	}
	struct done *prev = NULL;
	for (struct done *d = msg.done_head; d; prev = d, d = d->next) {
		if (d->rep.tag != tag || d->rep.sender != sender)
			continue;
		*rep = d->rep;
		if (prev)
			prev->next = d->next;
		else
			msg.done_head = d->next;
		if (msg.done_tail == d)
			msg.done_tail = prev;
		host()->free(d);
		return 0;
	}
	return -VDS_EINVAL;
}

/*
 * Wait for the reply to call `tag` made to `sender` (*rep may hold other
 * messages meanwhile: it is the reply only if 0 is returned). -VDS_EINVAL
 * if there is no such call (or its reply was collected already). The
 * usual case, from main, is a batch's reply already at the head of our
 * queue (collect); the rest (a coroutine, a reply collected already) goes
 * the general way.
 */
VDS_API int vds_wait_reply(int sender, uint64_t tag, struct vds_sqe *rep)
{
	struct call *c = &msg.calls[tag % VDS_CALLS_MAX];
	if (c->state != CALL_WAITING || c->tag != tag || c->target != sender || co_self() != NULL)
		return wait_reply_slow(sender, tag, rep);
	return collect(c, sender, rep);
}

/* ---- the fast paths ---- */

/*
 * A call from main, and a server's answer-and-wait from main, go a
 * straight way when nothing unusual is going on (seL4 keeps such a
 * "fastpath" beside its general IPC path): the message written once into
 * the oldest slot of our outbox and published with one CAS, then one
 * wait (fast_wait) and one pop, the reply or request matched right there.
 * No call slot is taken, no waiter queued, no loop entered. Anything
 * unusual on the way in (a coroutine, a ring still owed, requests stashed
 * or waited for, the peer's queue handle not cached, a full queue or
 * outbox) goes the general way before anything is sent; anything unusual
 * after the message went (something else came, or nothing did) hands the
 * rest to the general way, with the state it would have had: the call
 * recorded in its slot, the ring still owed in msg.pending_wake, what
 * came dispatched.
 */

/* Nothing unusual for a fast path from main? No ring owed (pending_wake
 * is 0, not -1, until vds_msg_init() is done: so the test says started
 * too), and not in a coroutine. */
static inline int fast_ok(void)
{
	return msg.pending_wake < 0 && co_self() == NULL;
}

/*
 * Send *m to dst as send() does in its usual case, or not at all: the
 * outbox slot, or -1 if anything is unusual (nothing sent). *wake is dst
 * if it sleeps (to be rung), else -1.
 */
static inline __attribute__((always_inline)) int send_fast(int dst, const struct vds_sqe *m,
                                                           int *wake)
{
	const struct vds_qref *q = &msg.k0;
	/* (only processes take fast paths: the kernel sends no calls) */
	if (dst != VDS_KERNEL_ID && (q = q_enter_cached(dst, 1)) == NULL)
		return -1;
	uint32_t k;
	int r = -1;
	struct vds_sqe *d = slot_oldest(&vds_mine, q, &k);
	if (d != NULL) {
		sqe_copy_in(d, m);
		if (put_once(&vds_mine, q, k) == 0)
			r = (int)k;
	}
	if (dst != VDS_KERNEL_ID)
		q_unhold_as(q, 1);
	*wake = r >= 0 && q_need_wakeup(q) ? dst : -1;
	return r;
}

/*
 * After a fast send: wait once, then pop once; 1 and *out if a message
 * came. If peer (-1: anyone) may run on another hart, ring it now if it
 * sleeps, and poll our queue a while before sleeping, as idle() does;
 * otherwise sleep at once, ringing it in the same trap, unless something
 * is there already (then the ring is left owed: msg.pending_wake).
 */
static inline __attribute__((always_inline)) int fast_wait(int peer, int wake, struct vds_sqe *out)
{
	if (sender_runs_elsewhere(peer)) {
		if (wake >= 0)
			host()->ring(wake);
		if (!spin())
			sleep_once(-1);
		return q_pop_once(&vds_me, out);
	}
	if (!sleep_once(wake))
		msg.pending_wake = wake;
	return q_pop_once(&vds_me, out);
}

/* The fast call's request went (tag: in call slot tag % VDS_CALLS_MAX,
 * whose `slot` holds its outbox slot), but what came (*rep, if got) was
 * not its reply: record the call as call_direct() would have, hand out
 * what came, and wait the general way. */
static __attribute__((noinline)) int call_fell_back(uint64_t tag, int dst, int got,
                                                    struct vds_sqe *rep)
{
	uint32_t i = (uint32_t)(tag % VDS_CALLS_MAX);
	struct call *c = &msg.calls[i];
	msg.call_next = i + 1 < RESERVED_SLOT ? i + 1 : 0;
	c->tag = tag;
	call_sent(c, dst, c->slot);
	if (got)
		dispatch(rep);
	return main_collect(c, tag, dst, rep);
}

/* The fast call's wait: its request went, with tag. */
static __attribute__((noinline)) int call_fast_wait(uint64_t tag, int dst, int wake,
                                                    struct vds_sqe *rep)
{
	int got = fast_wait(dst, wake, rep);
	if (!got || !is_reply(rep, tag, dst))
		return call_fell_back(tag, dst, got, rep);
	msg.stats.fast_calls++; /* counted in calls and replies by vds_msg_stats() */
	flush_pending();        /* a ring owed, if we did not sleep */
	return 0;
}

/* vds_call() the general way: call_direct(), or any call slot and send()
 * with its retries; a coroutine waits in vds_wait_reply(), main in
 * main_collect(). */
static __attribute__((noinline)) int call_slow(int dst, struct vds_sqe *req, struct vds_sqe *rep)
{
	struct call *c = call_start(dst, req);
	if (c != NULL)
		return main_collect(c, c->tag, dst, rep);
	int64_t t = call_general(dst, req);
	return t < 0 ? (int)t : vds_wait_reply(dst, (uint64_t)t, rep);
}

/*
 * The fast call: its request sent, or the general way if anything is
 * unusual. The first scheduling pass is off here and in reply_recv_fast():
 * it hoists the loads of the arguments, and the registers they take would
 * have to be saved and restored on every call.
 */
static __attribute__((noinline, optimize("no-schedule-insns"))) int
call_fast(int dst, struct vds_sqe *req, struct vds_sqe *rep)
{
	uint32_t i = msg.call_next;
	if (msg.calls[i].state != CALL_FREE || (req->flags & VDS_SQE_RESERVE))
		return call_slow(dst, req, rep);
	uint64_t tag = call_tag(i);
	req->flags &= (uint16_t)~CALL_FLAGS_DROPPED;
	req->tag = tag;
	int wake, k = send_fast(dst, req, &wake);
	if (k < 0)
		return call_slow(dst, req, rep); /* (which sets the tag it sends) */
	msg.tag_gen++;
	msg.calls[i].slot = (uint32_t)k; /* for call_fell_back() */
	return call_fast_wait(tag, dst, wake, rep);
}

/* Send req to dst as a request and wait for its reply in *rep (*rep may
 * hold other messages meanwhile: it is the reply only if 0 is returned). */
VDS_API int vds_call(int dst, struct vds_sqe *req, struct vds_sqe *rep)
{
	return fast_ok() ? call_fast(dst, req, rep) : call_slow(dst, req, rep);
}

/* vds_syscall() the general way (call_direct() did not go). */
static __attribute__((noinline)) int64_t syscall_slow(int nr, uint64_t a0, uint64_t a1, uint64_t a2,
                                                      uint64_t a3)
{
	struct vds_sqe req = { .op = (uint16_t)nr, .arg = { a0, a1, a2, a3 } }, rep;
	int64_t t = call_general(VDS_KERNEL_ID, &req);
	int r = t < 0 ? (int)t : vds_wait_reply(VDS_KERNEL_ID, (uint64_t)t, &rep);
	return r < 0 ? r : (int64_t)rep.arg[0];
}

/*
 * vds_syscall() sent its request (tag): ring the kernel if it sleeps, then
 * wait for the reply. Apart, so that sending needs no stack frame. The
 * ring is not deferred (as call_start's is, for batches): with one hart
 * the kernel serves its queue in the very trap, so a call that does not
 * block has its answer waiting when the trap returns, and we never go to
 * sleep. The reply is usually the first thing in our queue: one pop and
 * the tag matched, as in call_fast(); anything else (call_fell_back()),
 * the general way.
 */
static __attribute__((noinline)) int64_t syscall_wait(uint64_t tag)
{
	struct vds_sqe rep;
	if (q_need_wakeup(&msg.k0)) /* after the publish: the SQPOLL handshake */
		ring(VDS_KERNEL_ID, 0);
	else if (vds_self_block.ncpu > 1) {
		/* The kernel's hart is awake: its answer is a moment away. Watch
		 * for it here, without the general loop's detours. */
		VDS_MARK_SPIN_BEGIN();
		for (uint32_t n = 0; n < QUICK_LOOKS && !q_ready(&vds_me); n++)
			spin_pause();
		VDS_MARK_SPIN_END();
	}
	int got = q_pop_once(&vds_me, &rep);
	if (got && is_reply(&rep, tag, VDS_KERNEL_ID)) {
		msg.stats.fast_calls++; /* counted in calls and replies by vds_msg_stats() */
		flush_pending();        /* a ring owed from before, as collect() would */
		return (int64_t)rep.arg[0];
	}
	int r = call_fell_back(tag, VDS_KERNEL_ID, got, &rep);
	return r < 0 ? r : (int64_t)rep.arg[0];
}

/*
 * System call nr with arguments a0..a3: the reply's result (arg[0]), or a
 * negative error from messaging. From main, the fast way: the request
 * written straight into the oldest slot of our outbox for the kernel, one
 * CAS in queue 0, and no call slot written unless the reply is not the
 * first thing that comes (syscall_wait); else the general way.
 */
VDS_API int64_t vds_syscall(int nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	uint32_t i = msg.call_next, k;
	if (!msg.started || msg.calls[i].state != CALL_FREE || co_self() != NULL ||
	    slot_oldest(&vds_mine, &msg.k0, &k) == NULL)
		return syscall_slow(nr, a0, a1, a2, a3);
	uint64_t tag = call_tag(i);
	if (put_direct(&msg.k0, k, (uint16_t)nr, 0, tag, a0, a1, a2, a3, 0) < 0)
		return syscall_slow(nr, a0, a1, a2, a3);
	msg.tag_gen++;
	msg.calls[i].slot = k; /* for call_fell_back() */
	return syscall_wait(tag);
}

/* ---- requests ---- */

/* The oldest stashed request w matches, if any. */
static int take_from_stash(struct req_waiter *w)
{
	for (uint32_t i = 0; i < msg.req_n; i++) {
		if (!req_matches(w, stash_at(i)))
			continue;
		*w->out = *stash_at(i);
		for (uint32_t k = i; k > 0; k--) /* close the gap, keeping arrival order */
			*stash_at(k) = *stash_at(k - 1);
		msg.req_head = (msg.req_head + 1) % NREQ;
		msg.req_n--;
		return 1;
	}
	return 0;
}

/*
 * main waits for a request w matches, and nobody else waits for one: pop
 * our queue and take the first that matches right there (as main_collect
 * does for replies). Anything else is handed out, requests to the stash.
 */
static void main_take_request(struct req_waiter *w)
{
	/* We owe a ring to a receiver that sleeps, and ring it as we go to
	 * sleep: usually the client we just answered (vds_reply_recv). If it
	 * is our only client, its next request cannot be here before it ran.
	 * So go straight to idle(), which looks at our queue once it has said
	 * it sleeps (as main_collect() does for a reply): one look saved per
	 * request, or one more if others' requests wait. With clients on other
	 * harts, an empty queue is watched in idle() (a few instructions a
	 * look) rather than tried by a pop. */
	if (msg.pending_wake >= 0 || (sender_runs_elsewhere(w->sender) && !q_ready(&vds_me)))
		idle(w->sender);
	for (;;) {
		if (q_pop1(&vds_me, w->out)) { /* as in main_collect() */
			if (!(w->out->flags & VDS_SQE_REPLY) && req_matches(w, w->out))
				break;
			dispatch(w->out);
			continue;
		}
		if (deaths_news()) {
			poll(); /* calls to the dead are answered (reap_calls) */
			if (take_from_stash(w))
				break;
			continue;
		}
		if (exec_has_work()) {
			vds_exec_run();
			if (take_from_stash(w)) /* a coroutine may have popped it */
				break;
			continue;
		}
		idle(w->sender);
	}
	flush_pending();
}

static void wait_request(struct req_waiter *w)
{
	if (take_from_stash(w)) {
		flush_pending(); /* we will not sleep: ring now what was deferred */
		return;
	}
	if (msg.waiters == NULL && co_self() == NULL) {
		main_take_request(w);
		return;
	}
	w->co = co_self();
	w->done = 0;
	w->next = NULL;
	if (msg.waiters_tail)
		msg.waiters_tail->next = w;
	else
		msg.waiters = w;
	msg.waiters_tail = w;
	if (w->co) {
		co_will_wait();
		while (!w->done)
			co_block();
		return;
	}
	main_wait(&w->done, 0);
}

/* Wait for a request (not a reply) from sender (-1: any) with op (-1: any). */
VDS_API int vds_recv(int sender, int op, struct vds_sqe *out)
{
	if (!msg.started)
		return -VDS_EINVAL;
	struct req_waiter w = { .sender = sender, .op = op, .out = out };
	wait_request(&w);
	return 0;
}

/* vds_reply_recv() the general way. */
static __attribute__((noinline)) int reply_recv_slow(const struct vds_sqe *req, struct vds_sqe *rep,
                                                     int sender, int op, struct vds_sqe *next)
{
	int r = reply(req, rep, 1);
	struct req_waiter w = { .sender = sender, .op = op, .out = next };
	wait_request(&w);
	return r;
}

/* The fast answer-and-wait's answer went, but what came (*next, if got)
 * was not a request it waits for: hand that out, and wait the general way. */
static __attribute__((noinline)) int recv_fell_back(int got, int sender, int op,
                                                    struct vds_sqe *next)
{
	if (got)
		dispatch(next);
	struct req_waiter w = { .sender = sender, .op = op, .out = next };
	wait_request(&w);
	return 0;
}

/* The fast answer-and-wait: the answer sent, then one sleep and one pop;
 * the general way if the answer does not go as usual. */
static __attribute__((noinline, optimize("no-schedule-insns"))) int
reply_recv_fast(const struct vds_sqe *req, struct vds_sqe *rep, int sender, int op,
                struct vds_sqe *next)
{
	if (msg.waiters != NULL || msg.req_n != 0) /* requests waited for, or stashed */
		return reply_recv_slow(req, rep, sender, op, next);
	reply_header(req, rep); /* (req and next may be the same: req is read first) */
	int wake;
	if (send_fast(req->sender, rep, &wake) < 0)
		return reply_recv_slow(req, rep, sender, op, next);
	struct req_waiter w = { .sender = sender, .op = op };
	int got = fast_wait(sender, wake, next);
	if (!got || (next->flags & VDS_SQE_REPLY) || !req_matches(&w, next))
		return recv_fell_back(got, sender, op, next);
	msg.stats.fast_answers++;
	flush_pending(); /* a ring owed, if we did not sleep */
	return 0;
}

/*
 * Answer req, then wait for the next request from sender (-1: any) with op
 * (-1: any) into *next. A server's loop in one step (seL4's ReplyRecv): if
 * the client must be woken, that happens in the same trap as our sleep, and
 * the client can run on the hart we leave.
 */
VDS_API int vds_reply_recv(const struct vds_sqe *req, struct vds_sqe *rep, int sender, int op,
                           struct vds_sqe *next)
{
	return fast_ok() ? reply_recv_fast(req, rep, sender, op, next)
	                 : reply_recv_slow(req, rep, sender, op, next);
}

/* ---- set-up ---- */

/*
 * Start messaging in this address space: set up its outbox and start the
 * poller (a process's queue is attached by the runtime first). The
 * poller's stack is the caller's memory (it may not have a heap yet).
 */
VDS_API int vds_msg_init(void *poller_stack, size_t stack_size)
{
	if (msg.started || co_host() == NULL || vds_me.q.cells == NULL || q_ref_of(0, &msg.k0) < 0)
		return -VDS_EINVAL;
	msg.deaths = __atomic_load_n(&vds_sh.k.deaths, __ATOMIC_ACQUIRE);
	vds_ob_init(&vds_mine, my_slot());
	msg.poller = co_spawn_on(poller_stack, stack_size, poller, NULL, "poller");
	if (msg.poller == NULL)
		return -VDS_EINVAL;
	msg.pending_wake = -1; /* last: fast_ok() takes it to mean started too */
	msg.started = 1;
	return 0;
}

VDS_API void vds_msg_stats(struct vds_msg_stats *out)
{
	*out = msg.stats;
	out->calls += msg.stats.fast_calls; /* the fast path counts its calls once */
	out->replies += msg.stats.fast_calls;
	out->stashed = msg.req_n;
	out->rx = vds_me.stats;
}
