/*
 * Messaging: send to an id, wait for a message matching (sender, op) or a
 * reply matching (sender, tag), call = send + wait for the reply, reply.
 * The same code serves the kernel (queue 0) and every process.
 *
 * One poller coroutine per address space pops its queue in batches and
 * hands each message to the coroutine waiting for it; a message nobody
 * waits for yet is stashed in local memory, so it never blocks the queue
 * (when the stash is full: a request is answered -VDS_EBUSY, anything else
 * is dropped and counted). With nothing to do, the poller follows the
 * io_uring SQPOLL protocol: poll a while if a reply from the kernel's own
 * hart is due, then set need_wakeup, look once more, and sleep through the
 * host's idle op
 * (a process: the doorbell; the kernel: its poller coroutine blocks).
 * Senders publish, fence, and ring the doorbell only if need_wakeup is set.
 */
#include "internal.h"
#include "msg.h"
#include "queue.h"

#define BATCH         32   /* messages per pop_multiple */
#define BACKOFF_TRIES 1000 /* full receiver: give up with -VDS_EAGAIN after this */
#define POLLER_NAME   "poller"

struct waiter {
	struct coro *co; /* NULL: the host's own context is waiting */
	int32_t sender;  /* -1: any */
	int32_t op;      /* requests: -1 any */
	int want_reply;  /* match a reply by tag, else a request by op */
	uint64_t tag;
	struct vds_sqe *out;
	volatile int done;
	struct waiter *next;
};

static VDS_LOCAL struct {
	int started;
	struct waiter *waiters, *waiters_tail; /* FIFO: the first to wait is served first */
	struct vds_sqe *stash;                 /* a ring: oldest at stash_head */
	uint32_t stash_cap, stash_head, stash_n;
	uint64_t next_tag;
	int pending_wake; /* a doorbell to ring when the poller next sleeps, or -1 */
	struct vds_msg_stats stats;
} msg;

static int matches(const struct waiter *w, const struct vds_sqe *m)
{
	if (w->sender >= 0 && m->sender != w->sender)
		return 0;
	if (w->want_reply)
		return (m->flags & VDS_SQE_REPLY) && m->tag == w->tag;
	return !(m->flags & VDS_SQE_REPLY) && (w->op < 0 || m->op == w->op);
}

static void wake(struct waiter *w)
{
	w->done = 1;
	if (w->co)
		co_make_ready(w->co);
}

/* ---- sending ---- */

/* Ring id's doorbell now, or, if the caller is about to wait anyway, let
 * the poller ring it as it goes to sleep: one trap for both. */
static void ring(int id, int defer)
{
	if (defer && (msg.pending_wake < 0 || msg.pending_wake == id))
		msg.pending_wake = id; /* a batch of calls to one receiver: one ring */
	else
		co_host()->ring(id);
}

static void flush_pending(void)
{
	if (msg.pending_wake >= 0) {
		int id = msg.pending_wake;
		msg.pending_wake = -1;
		co_host()->ring(id);
	}
}

static int send(int dst, const struct vds_sqe *m, int defer)
{
	struct vds_ticket t;
	int r;
	for (int tries = 0; (r = vds_get_sqe(dst, &t)) == -VDS_EAGAIN; tries++) {
		if (tries == BACKOFF_TRIES)
			return -VDS_EAGAIN;
		co_host()->backoff(dst); /* full: let the receiver run */
	}
	if (r < 0)
		return r;
	uint64_t seq = t.sqe->seq; /* set at claim for the kernel's queue */
	*t.sqe = *m;
	t.sqe->sender = vds_self_block.pid;
	t.sqe->seq = seq;
	q_publish_only(&t);
	int need = vds_q_need_wakeup(&t.ref); /* after the publish: the SQPOLL handshake */
	vds_q_close(&t.ref);
	if (need)
		ring(dst, defer);
	return 0;
}

VDS_API int vds_send(int dst, const struct vds_sqe *m)
{
	return send(dst, m, 0);
}

static int reply(const struct vds_sqe *req, struct vds_sqe *rep, int defer)
{
	rep->op = req->op;
	rep->tag = req->tag;
	rep->flags = (uint16_t)((rep->flags & ~VDS_SQE_NOREPLY) | VDS_SQE_REPLY);
	return send(req->sender, rep, defer);
}

/* Answer request req with rep (op, tag and the reply flag are filled in). */
VDS_API int vds_reply(const struct vds_sqe *req, struct vds_sqe *rep)
{
	return reply(req, rep, 0);
}

/* ---- waiting ---- */

static struct vds_sqe *stash_at(uint32_t i)
{
	return &msg.stash[(msg.stash_head + i) % msg.stash_cap];
}

/* The oldest stashed message w matches, if any. Usually it is the oldest of
 * all (a handler taking requests in order): then this is O(1). */
static int take_from_stash(struct waiter *w)
{
	for (uint32_t i = 0; i < msg.stash_n; i++) {
		if (!matches(w, stash_at(i)))
			continue;
		*w->out = *stash_at(i);
		for (uint32_t k = i; k > 0; k--) /* close the gap, keeping arrival order */
			*stash_at(k) = *stash_at(k - 1);
		msg.stash_head = (msg.stash_head + 1) % msg.stash_cap;
		msg.stash_n--;
		return 1;
	}
	return 0;
}

static void wait_for(struct waiter *w)
{
	if (take_from_stash(w)) {
		flush_pending(); /* we will not sleep: ring now what was deferred */
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
		co_block(); /* the poller makes us ready with the message */
		return;
	}
	/* The host's own context: run the executor (and so the poller) until
	 * our message is in. The poller sleeps when nothing at all can run. */
	while (!w->done)
		vds_exec_run();
}

/* Wait for a request (not a reply) from sender (-1: any) with op (-1: any). */
VDS_API int vds_recv(int sender, int op, struct vds_sqe *out)
{
	if (!msg.started)
		return -VDS_EINVAL;
	struct waiter w = { .sender = sender, .op = op, .out = out };
	wait_for(&w);
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
	int r = reply(req, rep, 1);
	struct waiter w = { .sender = sender, .op = op, .out = next };
	wait_for(&w);
	return r;
}

/* Send req to dst as a request and wait for its reply in *rep. */
VDS_API int vds_call(int dst, struct vds_sqe *req, struct vds_sqe *rep)
{
	if (!msg.started)
		return -VDS_EINVAL;
	req->tag = ++msg.next_tag;
	req->flags &= (uint16_t) ~(VDS_SQE_REPLY | VDS_SQE_NOREPLY);
	int r = send(dst, req, 1);
	if (r < 0)
		return r;
	struct waiter w = { .sender = dst, .want_reply = 1, .tag = req->tag, .out = rep };
	wait_for(&w);
	return 0;
}

/* Send req without waiting; vds_wait_reply(dst, tag) collects the answer.
 * Returns the tag, or a negative error. (Batching: send many, then wait.) */
VDS_API int64_t vds_call_async(int dst, struct vds_sqe *req)
{
	req->tag = ++msg.next_tag;
	req->flags &= (uint16_t) ~(VDS_SQE_REPLY | VDS_SQE_NOREPLY);
	int r = send(dst, req, 1);
	return r < 0 ? r : (int64_t)req->tag;
}

VDS_API int vds_wait_reply(int sender, uint64_t tag, struct vds_sqe *rep)
{
	if (!msg.started)
		return -VDS_EINVAL;
	struct waiter w = { .sender = sender, .want_reply = 1, .tag = tag, .out = rep };
	wait_for(&w);
	return 0;
}

/* ---- the poller ---- */

/* Nobody waits for m yet: keep it, or say no. */
static void stash(const struct vds_sqe *m)
{
	if (msg.stash_n < msg.stash_cap) {
		*stash_at(msg.stash_n++) = *m;
		return;
	}
	if (m->flags & (VDS_SQE_REPLY | VDS_SQE_NOREPLY)) {
		msg.stats.dropped++;
		return;
	}
	struct vds_sqe busy = { 0 };
	busy.arg[0] = (uint64_t)(int64_t)-VDS_EBUSY;
	msg.stats.refused++;
	vds_reply(m, &busy);
}

static void deliver(const struct vds_sqe *m)
{
	struct waiter *prev = NULL;
	for (struct waiter *w = msg.waiters; w; prev = w, w = w->next) {
		if (matches(w, m)) {
			if (prev)
				prev->next = w->next;
			else
				msg.waiters = w->next;
			if (msg.waiters_tail == w)
				msg.waiters_tail = prev;
			*w->out = *m;
			wake(w);
			msg.stats.delivered++;
			return;
		}
	}
	stash(m);
}

/*
 * Is polling worth it before sleeping? For the kernel's poller (on a hart of
 * its own, when the host asks for polling at all): yes, requests keep
 * coming. For a process: only while it waits for the kernel's answer, which
 * comes from that other hart; a process it waits for may need this very hart.
 */
static int worth_polling(void)
{
	if (vds_self_block.pid == 0)
		return 1;
	for (struct waiter *w = msg.waiters; w; w = w->next)
		if (w->want_reply && w->sender == VDS_KERNEL_ID)
			return 1;
	return 0;
}

static void poller(void *arg)
{
	(void)arg;
	const struct vds_host_ops *host = co_host();
	struct vds_sqe batch[BATCH];
	uint64_t idle_since = 0;
	for (;;) {
		int n = vds_pop_multiple(batch, BATCH);
		for (int i = 0; i < n; i++)
			if (host->accept == NULL || host->accept(&batch[i]))
				deliver(&batch[i]);
		if (n > 0 || vds_exec_has_work() || msg.waiters == NULL) {
			/* Work to do, or nobody waits for a message: sleeping could
			 * only wake for mail nobody asked for. Let the host go on. */
			idle_since = 0;
			flush_pending();
			vds_co_yield();
			continue;
		}
		if (host->idle_spin_ns && worth_polling()) {
			uint64_t now = host->clock_ns();
			if (idle_since == 0)
				idle_since = now;
			if (now - idle_since < host->idle_spin_ns) {
				flush_pending();
				vds_co_yield();
				continue;
			}
		}
		vds_q_set_need_wakeup(1); /* then look once more: see vds_q_set_need_wakeup */
		if (!vds_q_empty() || vds_exec_has_work()) {
			vds_q_set_need_wakeup(0);
			continue;
		}
		int wake_id = msg.pending_wake;
		msg.pending_wake = -1;
		host->idle(wake_id); /* returns when rung (or spuriously) */
		vds_q_set_need_wakeup(0);
		idle_since = 0;
	}
}

/*
 * Start messaging in this address space: stash[] of stash_cap messages and
 * the poller's stack are the caller's memory (it may not have a heap yet).
 */
VDS_API int vds_msg_init(void *poller_stack, size_t stack_size, struct vds_sqe *stash_mem,
                         uint32_t stash_cap)
{
	if (msg.started || co_host() == NULL)
		return -VDS_EINVAL;
	msg.stash = stash_mem;
	msg.stash_cap = stash_cap;
	msg.pending_wake = -1;
	int r = co_spawn_on(poller_stack, stack_size, poller, NULL, POLLER_NAME);
	if (r < 0)
		return r;
	msg.started = 1;
	return 0;
}

VDS_API void vds_msg_stats(struct vds_msg_stats *out)
{
	*out = msg.stats;
	out->stashed = msg.stash_n;
}
