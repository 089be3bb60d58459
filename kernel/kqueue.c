/*
 * The kernel's side of the queue registry. The kernel alone registers and
 * unregisters queues: its own (id 0) at boot, each process's (id = pid) at
 * spawn, removed when the process is reaped. It keeps its own record of
 * every entry it registered (kq[]) and uses that — never the copy in shared
 * data, which any process can scribble on — for its replies and for freeing.
 * Runs on the kernel executor (cpu 0), so kq[] needs no lock.
 */
#include <string.h>
#include "defs.h"

#define KQUEUE_CAP     1024 /* the kernel's queue: every process's requests */
#define PROC_QUEUE_CAP 256

static struct kq {
	int used;    /* registered, or unregistered but not yet finished */
	int closing; /* unregister begun; waiting for senders to leave */
	struct vds_qref ref;
} kq[VDS_NQUEUES];

static uint8_t kq_hint[VDS_NQUEUES]; /* id -> index, direct-mapped, checked on use */

static struct kq *kq_find(int id)
{
	struct kq *q = &kq[kq_hint[(unsigned)id % VDS_NQUEUES]];
	if (q->used && !q->closing && q->ref.id == id)
		return q; /* the usual case: every reply looks its queue up */
	for (int i = 0; i < VDS_NQUEUES; i++) {
		if (kq[i].used && !kq[i].closing && kq[i].ref.id == id) {
			kq_hint[(unsigned)id % VDS_NQUEUES] = (uint8_t)i;
			return &kq[i];
		}
	}
	return NULL;
}

/* Register a queue for id. Returns its registry index or a negative error. */
int kq_register(int id, uint32_t cap)
{
	for (int i = 0; i < VDS_NQUEUES; i++) {
		if (kq[i].used)
			continue;
		int r = VDS(q_register)(i, id, cap, &kq[i].ref);
		if (r == -VDS_EBUSY)
			continue; /* scribbled on by a process: skip the entry */
		if (r < 0)
			return r;
		kq[i].used = 1;
		kq[i].closing = 0;
		return i;
	}
	return -VDS_ENOSPC;
}

/* The kernel's own queue, at boot. */
void kq_init(void)
{
	if (kq_register(VDS_KERNEL_ID, KQUEUE_CAP) < 0 || VDS(q_attach)(VDS_KERNEL_ID) < 0)
		panic("cannot register the kernel's queue");
}

int kq_register_proc(struct proc *p)
{
	int r = kq_register(p->pid, PROC_QUEUE_CAP);
	return r < 0 ? r : 0;
}

/*
 * Send *m to queue id as `sender`, using the kernel's own record of the
 * queue, and wake its owner if it sleeps. Returns 0, -VDS_ENOENT if id has
 * no queue, or -VDS_EAGAIN if it is full.
 */
static int kq_send_as(int id, const struct vds_sqe *m, int sender)
{
	struct kq *q = kq_find(id);
	if (q == NULL)
		return -VDS_ENOENT;
	struct vds_ticket t;
	int r = VDS(q_claim)(&q->ref, &t);
	if (r < 0)
		return r;
	*t.sqe = *m;
	t.sqe->sender = sender;
	VDS(sqe_release)(&t);
	if (VDS(q_need_wakeup)(&q->ref)) /* after the publish: the SQPOLL handshake */
		ring_queue(id);
	return 0;
}

/* Send *m to queue id from the kernel (sender 0). */
int kq_send(int id, const struct vds_sqe *m)
{
	return kq_send_as(id, m, VDS_KERNEL_ID);
}

/*
 * A message the receiver's full queue could not take is retried by a
 * coroutine of its own for about a second, then dropped: a handler that
 * never blocks serves everybody's calls of its kind and must not wait for
 * one process that does not drain its queue. Budgets: LATE_MAX such
 * messages in all, LATE_PER_PROC per receiver, so that one process that
 * never reads cannot use up everybody's.
 */
#define LATE_MAX      128
#define LATE_PER_PROC 16
#define LATE_TRIES    100 /* one per tick */

struct late_msg {
	int id, sender;
	struct vds_sqe m;
};

static int late_pending;
static uint64_t late_dropped;

static void late_send(void *arg)
{
	struct late_msg *l = arg;
	int r = -VDS_EAGAIN;
	for (int tries = 0; tries < LATE_TRIES && r == -VDS_EAGAIN; tries++) {
		ksleep_ns(1000000000ULL / TICK_HZ);
		r = kq_send_as(l->id, &l->m, l->sender);
	}
	if (r < 0)
		late_dropped++;
	struct proc *p = proc_by_pid(l->id); /* pids are never reused: the same process */
	if (p)
		p->late--;
	kfree_obj(l);
	late_pending--;
}

/* Send *m to id as sender now, or, if id's queue is full, a little later. */
void kq_send_or_later(int id, const struct vds_sqe *m, int sender)
{
	if (kq_send_as(id, m, sender) != -VDS_EAGAIN)
		return;
	struct proc *p = proc_by_pid(id);
	struct late_msg *l = NULL;
	if (p && p->late < LATE_PER_PROC && late_pending < LATE_MAX)
		l = kmalloc(sizeof(*l));
	if (l == NULL) {
		late_dropped++;
		return;
	}
	l->id = id;
	l->sender = sender;
	l->m = *m;
	if (kspawn(late_send, l, "late-send") < 0) {
		kfree_obj(l);
		late_dropped++;
		return;
	}
	p->late++;
	late_pending++;
}

/* Messages waiting for room in their queue, and messages given up (tests). */
void kq_late_stats(int *pending, uint64_t *dropped)
{
	*pending = late_pending;
	*dropped = late_dropped;
}

/* A request whose receiver died gets an error reply, so its sender does not
 * wait forever; it comes in the dead receiver's name, as the answer the
 * sender waits for. Replies and one-way messages are dropped. */
static void bounce(const struct vds_sqe *m, int dead)
{
	if (m->flags & (VDS_SQE_REPLY | VDS_SQE_NOREPLY))
		return;
	struct vds_sqe reply = { .op = m->op, .flags = VDS_SQE_REPLY, .tag = m->tag };
	reply.arg[0] = (uint64_t)(int64_t)-VDS_EDEAD;
	kq_send_or_later(m->sender, &reply, dead);
}

/* Finish unregistering q if no sender is inside: bounce what is left, free.
 * Bits of slots no live process holds are garbage a process wrote into
 * shared data: they do not count (docs/TRUST.md). */
static int kq_try_finish(struct kq *q)
{
	if ((VDS(q_users)(&q->ref) & proc_live_slots()) != 0)
		return -VDS_EBUSY;
	/* Drain from the owner's last published head, at most one lap (the
	 * head and the cells are shared data: whatever they say, no more). */
	struct vds_consumer c;
	VDS(q_consumer)(&q->ref, &c);
	struct vds_sqe m[16];
	uint32_t left = q->ref.mask + 1;
	int n;
	while (left > 0 && (n = VDS(q_pop)(&c, m, left < 16 ? (int)left : 16)) > 0) {
		left -= (uint32_t)n;
		for (int i = 0; i < n; i++)
			bounce(&m[i], q->ref.id);
	}
	VDS(q_unregister_finish)(&q->ref);
	q->used = 0;
	q->closing = 0;
	return 0;
}

/*
 * Unregister id's queue: no new sender gets in; once the senders inside
 * are gone, leftover requests are answered with -VDS_EDEAD and the storage
 * freed. A sender still inside (alive, mid-send) only delays the finish:
 * kq_retry() tries again later. Returns 0 when finished, -VDS_EBUSY if
 * deferred.
 */
int kq_unregister(int id)
{
	struct kq *q = kq_find(id);
	if (q == NULL)
		return -VDS_ENOENT;
	VDS(q_unregister_begin)(&q->ref);
	q->closing = 1;
	return kq_try_finish(q);
}

/* Finish deferred unregistrations. Returns how many are still waiting. */
int kq_retry(void)
{
	int waiting = 0;
	for (int i = 0; i < VDS_NQUEUES; i++)
		if (kq[i].used && kq[i].closing && kq_try_finish(&kq[i]) < 0)
			waiting++;
	return waiting;
}

/* The kernel's record of id's queue, or NULL (tests pop from it). */
const struct vds_qref *kq_ref(int id)
{
	struct kq *q = kq_find(id);
	return q ? &q->ref : NULL;
}

/* Registered queues (tests). */
int kq_count(void)
{
	int n = 0;
	for (int i = 0; i < VDS_NQUEUES; i++)
		n += kq[i].used;
	return n;
}
