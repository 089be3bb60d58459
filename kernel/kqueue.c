/*
 * The kernel's side of the queues. The kernel alone registers and
 * unregisters queues: its own (id 0) at boot, each process's (id = pid) at
 * spawn, removed when the process is reaped. It keeps its own record of
 * every queue (kq[]): the values it chose, never read back from shared
 * data. It sends through its own outboxes, one toward each process slot,
 * which processes can read but not write, so nobody can forge a kernel
 * message. Runs on the kernel executor (cpu 0), so none of it needs a lock.
 */
#include <string.h>
#include "defs.h"
#include "../vdso/shared.h"

#define PROC_QUEUE_CAP 256 /* cells in a process's queue */

static struct kq {
	int used;    /* registered, or unregistered but not yet finished */
	int closing; /* unregister begun; waiting for senders to leave */
	struct vds_qref ref;
} kq[VDS_NQUEUES];

static uint8_t kq_hint[256]; /* id -> index, direct-mapped, checked on use */
struct vds_obstate kob[VDS_NSLOTS];
uint64_t kq_ring_set;
uint8_t kq_ring_list[VDS_NSLOTS];
int kq_nring;
int kq_pending_total;         /* replies waiting for room, in all */
static uint64_t lost_replies; /* never, if the bookkeeping is right (tests) */

static struct kq *kq_find(int id)
{
	struct kq *q = &kq[kq_hint[(unsigned)id % 256] % VDS_NQUEUES];
	if (q->used && !q->closing && q->ref.id == id)
		return q; /* the usual case: every reply looks its queue up */
	for (int i = 0; i < VDS_NQUEUES; i++) {
		if (kq[i].used && !kq[i].closing && kq[i].ref.id == id) {
			kq_hint[(unsigned)id % 256] = (uint8_t)i;
			return &kq[i];
		}
	}
	return NULL;
}

/* Register a queue for id with cap cells, owned by the process in slot
 * owner (0: the kernel). Returns its registry index or a negative error. */
int kq_register(int id, uint32_t cap, uint32_t owner)
{
	for (int i = id == VDS_KERNEL_ID ? 0 : 1; i < VDS_NQUEUES; i++) {
		if (kq[i].used)
			continue;
		int r = KVDS(q_register)(i, id, cap, owner, &kq[i].ref);
		if (r < 0)
			return r;
		kq[i].used = 1;
		kq[i].closing = 0;
		return i;
	}
	return -VDS_ENOSPC;
}

/* The kernel's own queue and outboxes, at boot. */
void kq_init(void)
{
	for (uint32_t s = 0; s < VDS_NSLOTS; s++)
		KVDS(ob_init)(&kob[s], VDS_NSLOTS + s);
	if (kq_register(VDS_KERNEL_ID, VDS_QCAP_KERNEL, 0) != 0)
		panic("cannot register the kernel's queue");
}

/* p's queue, and the kernel's outbox toward p's slot made fresh (its
 * numbers go on: references from the last incarnation never match). */
int kq_register_proc(struct proc *p)
{
	uint64_t seq = kob[p->slot].seq;
	KVDS(ob_init)(&kob[p->slot], VDS_NSLOTS + (uint32_t)p->slot);
	kob[p->slot].seq = seq;
	int r = kq_register(p->pid, PROC_QUEUE_CAP, (uint32_t)p->slot);
	if (r < 0)
		return r;
	p->kq = &kq[r].ref;
	p->kob = &kob[p->slot];
	return 0;
}

/*
 * Claim a cell in queue id and a slot of the kernel's outbox toward its
 * owner: fill *t->sqe in place, then kq_release(). -VDS_ENOQUEUE if id has no
 * queue, -VDS_EAGAIN if it is full or the owner has not yet consumed the
 * kernel's earlier messages.
 */
int kq_get(int id, struct vds_ticket *t)
{
	struct kq *q = kq_find(id);
	if (q == NULL)
		return -VDS_ENOQUEUE;
	return KVDS(q_get)(&kob[q->ref.owner], &q->ref, t);
}

/* The kernel's outbox toward slot s (benchmarks hold it to skip the lookup). */
struct vds_obstate *kq_outbox(uint32_t s)
{
	return &kob[s % VDS_NSLOTS];
}

/* Send what kq_get() handed out; its owner is woken at kq_flush(). */
int kq_release(struct vds_ticket *t)
{
	int r = VDS(sqe_release)(t);
	if (r == 0)
		kq_ring_later(&t->q);
	return r;
}

/* Wake the owners that kq_release() found asleep. */
void kq_flush(void)
{
	if (kq_nring == 0)
		return;
	for (int i = 0; i < kq_nring; i++) {
		int s = kq_ring_list[i];
		if (s == 0)
			sched_kick_kernel(); /* a kernel-owned queue: cpu 0 */
		else
			proc_wake(&proc[s], 0);
	}
	kq_nring = 0;
	kq_ring_set = 0;
}

/* Send *m to queue id from the kernel, and wake its owner. */
int kq_send(int id, const struct vds_sqe *m)
{
	struct vds_ticket t;
	int r = kq_get(id, &t);
	if (r < 0)
		return r;
	t.sqe->op = m->op;
	t.sqe->flags = m->flags;
	t.sqe->tag = m->tag;
	memcpy(t.sqe->arg, m->arg, sizeof(t.sqe->arg));
	r = kq_release(&t);
	kq_flush();
	return r;
}

/* ---- replies: never dropped for a process within its limit ---- */

/* kq_answer() (defs.h) when the answer cannot go now: keep it, in order,
 * until p has room. */
void kq_answer_later(struct proc *p, uint16_t op, uint64_t tag, int64_t result)
{
	if (p->pend_n == VDS_CALLS_MAX) { /* cannot happen: syscall.c keeps owed in bounds */
		lost_replies++;
		return;
	}
	struct vds_sqe *e = &p->pend[(p->pend_head + p->pend_n) % VDS_CALLS_MAX];
	*e = (struct vds_sqe){ .op = op, .flags = VDS_SQE_REPLY, .tag = tag };
	e->arg[0] = (uint64_t)result;
	p->pend_n++;
	kq_pending_total++;
}

/* Send what waits for room, oldest first, at most once a tick (a process
 * that never reads its queue must not cost the poller on every round).
 * Returns how many still wait. */
int kq_retry_replies(void)
{
	static uint64_t last;
	if (kq_pending_total == 0)
		return 0;
	uint64_t now = now_ns();
	if (now - last < 1000000000ULL / TICK_HZ)
		return kq_pending_total;
	last = now;
	for (int i = 1; i < NPROC; i++) {
		struct proc *p = &proc[i];
		while (p->pend_n > 0) {
			struct vds_sqe *e = &p->pend[p->pend_head];
			if (kq_answer_now(p, e->op, e->tag, (int64_t)e->arg[0]) == -VDS_EAGAIN)
				break;
			p->pend_head = (p->pend_head + 1) % VDS_CALLS_MAX;
			p->pend_n--;
			p->owed--;
			kq_pending_total--;
		}
	}
	kq_flush();
	return kq_pending_total;
}

/* p is gone: forget what was owed to it. */
static void drop_replies(struct proc *p)
{
	kq_pending_total -= (int)p->pend_n;
	p->pend_n = 0;
	p->pend_head = 0;
	p->owed = 0;
}

/* Replies waiting for room, and replies lost (tests: always 0). */
int kq_pending(uint64_t *lost)
{
	if (lost)
		*lost = lost_replies;
	return kq_pending_total;
}

/* ---- unregistering ---- */

/* Wake every process that sleeps or is about to (need_wakeup): a receiver
 * died, and a call of theirs may have been waiting for it (they look at
 * vds_sh.k.deaths). One about to sleep is left a wake-up (proc_wake), so
 * its sleep returns at once. seq_cst: pairs with the process's fence
 * between setting need_wakeup and reading the count of deaths. */
static void wake_sleepers(void)
{
	for (int i = 1; i < NPROC; i++) {
		struct proc *p = &proc[i];
		enum procstate st = p->state;
		if ((st == P_BLOCKED || st == P_RUNNING || st == P_RUNNABLE) &&
		    __atomic_load_n(&kvdso_shared()->outbox[i].hdr.ctl.need_wakeup,
		                    __ATOMIC_SEQ_CST))
			proc_wake(p, 0);
	}
}

/* Finish unregistering q if no live sender is inside. */
static int kq_try_finish(struct kq *q)
{
	if (KVDS(q_inside)(&q->ref, proc_live_slots()) != 0)
		return -VDS_EBUSY;
	KVDS(q_unregister_finish)(&q->ref);
	q->used = 0;
	q->closing = 0;
	return 0;
}

/*
 * Unregister id's queue: no new sender gets in, the messages in it will
 * never be read (their senders' slots count as consumed), and calls waiting
 * for its owner end with -VDS_EDEAD. The entry is free again once the
 * senders inside have left: kq_retry() tries again later. Returns 0 when
 * finished, -VDS_EBUSY if deferred.
 */
int kq_unregister(int id)
{
	struct kq *q = kq_find(id);
	if (q == NULL)
		return -VDS_ENOQUEUE;
	KVDS(q_unregister_begin)(&q->ref);
	q->closing = 1;
	struct proc *p = proc_by_pid(id);
	if (p) {
		drop_replies(p);
		p->kq = NULL;
	}
	wake_sleepers();
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

/* The kernel's record of id's queue, or NULL. */
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
