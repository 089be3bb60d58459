/*
 * The queue registry: an array of entries in shared data, one per
 * registered queue (the kernel's, id 0, and one per process, id = pid).
 *
 *   register     EMPTY -> PENDING by CAS, allocate and initialise, -> READY
 *   use          find READY + id, set our bit in `using`, re-check READY, id
 *                and generation, operate, clear our bit
 *   unregister   READY -> PENDING, wait until `using` is 0, -> EMPTY
 *
 * `using` is a set of bits, one per address space (the process slot; the
 * kernel is 0), not a count: when a process dies with an operation in
 * flight, the kernel clears exactly its bit, so an unregister never waits
 * forever on a process that is gone. Only the kernel registers and
 * unregisters queues; it keeps its own copy of each entry's geometry and
 * never trusts the shared one (docs/QUEUE.md).
 */
#include <string.h>
#include "queue.h"
#include "self.h"

#define CACHE_SIZE 16 /* id -> registry index, per address space, verified on use */

VDS_SHARED static struct vds_qentry registry[VDS_NQUEUES];

/* Validated handles by id; each use re-checks state, id and generation. */
static VDS_LOCAL struct vds_qref cache[CACHE_SIZE];
static VDS_LOCAL uint32_t depth[VDS_NQUEUES]; /* nested opens by this address space */
static VDS_LOCAL struct vds_consumer me;      /* this address space's own queue */
static VDS_LOCAL uint64_t kernel_seq;         /* messages sent to the kernel so far */

/* This address space's bit in `using` sets and in claim words. */
uint32_t my_slot(void)
{
	return vds_self_block.slot % VDS_NSLOTS;
}

/* Read entry idx's geometry into r, refusing anything out of range. */
static int snapshot(int idx, struct vds_qref *r)
{
	struct vds_qentry *e = &registry[idx];
	uint32_t cap = __atomic_load_n(&e->cap, __ATOMIC_RELAXED);
	if (cap < VDS_QCAP_MIN || cap > VDS_QCAP_MAX || (cap & (cap - 1)))
		return -VDS_ENOENT;
	r->e = e;
	r->idx = idx;
	r->id = __atomic_load_n(&e->id, __ATOMIC_RELAXED);
	r->gen = __atomic_load_n(&e->gen, __ATOMIC_RELAXED);
	r->mask = cap - 1;
	r->seq_rel = __atomic_load_n(&e->seq_rel, __ATOMIC_RELAXED);
	r->sqe_rel = __atomic_load_n(&e->sqe_rel, __ATOMIC_RELAXED);
	r->seq = vds_rel_to_ptr(r->seq_rel, (size_t)cap * sizeof(uint64_t));
	r->sqe = vds_rel_to_ptr(r->sqe_rel, (size_t)cap * sizeof(struct vds_sqe));
	return (r->seq && r->sqe) ? 0 : -VDS_ENOENT;
}

static void hold(int idx)
{
	if (depth[idx]++ == 0)
		/* seq_cst: our bit is set before we re-check the state, and
		 * unregister sets the state before it reads `using`: one of us
		 * sees the other. Pairs with vds_q_unregister_begin/vds_q_users. */
		__atomic_fetch_or(&registry[idx].using, 1ULL << my_slot(), __ATOMIC_SEQ_CST);
}

static void unhold(int idx)
{
	if (depth[idx] > 0 && --depth[idx] == 0)
		/* release: our operation on the queue is complete before an
		 * unregister that sees the bit clear may free it. */
		__atomic_fetch_and(&registry[idx].using, ~(1ULL << my_slot()), __ATOMIC_RELEASE);
}

/* Hold r's entry, then check it is still the queue r describes. */
static int hold_checked(const struct vds_qref *r)
{
	struct vds_qentry *e = r->e;
	hold(r->idx);
	if (__atomic_load_n(&e->state, __ATOMIC_SEQ_CST) == QE_READY &&
	    __atomic_load_n(&e->id, __ATOMIC_RELAXED) == r->id &&
	    __atomic_load_n(&e->gen, __ATOMIC_RELAXED) == r->gen)
		return 0;
	unhold(r->idx); /* being unregistered, or recycled under us */
	return -VDS_ENOENT;
}

/* Try entry idx for id: snapshot, hold, re-check. */
static int try_open(int idx, int id, struct vds_qref *r)
{
	struct vds_qentry *e = &registry[idx];
	if (__atomic_load_n(&e->state, __ATOMIC_ACQUIRE) != QE_READY ||
	    __atomic_load_n(&e->id, __ATOMIC_RELAXED) != id || snapshot(idx, r) < 0 || r->id != id)
		return -VDS_ENOENT;
	return hold_checked(r);
}

/* Find the queue of id and hold it until vds_q_close(). */
VDS_API int vds_q_open(int id, struct vds_qref *r)
{
	if (id < 0)
		return -VDS_EINVAL;
	struct vds_qref *c = &cache[id % CACHE_SIZE];
	if (c->e != NULL && c->id == id && hold_checked(c) == 0) {
		*r = *c; /* the cached handle is still this registration */
		return 0;
	}
	for (int idx = 0; idx < VDS_NQUEUES; idx++) {
		if (try_open(idx, id, r) == 0) {
			*c = *r;
			return 0;
		}
	}
	return -VDS_ENOENT;
}

VDS_API void vds_q_close(struct vds_qref *r)
{
	if (r->idx >= 0 && r->idx < VDS_NQUEUES)
		unhold(r->idx);
}

/* Claim a cell in queue id for in-place filling; vds_sqe_release publishes it. */
VDS_API int vds_get_sqe(int id, struct vds_ticket *t)
{
	int r = vds_q_open(id, &t->ref);
	if (r < 0)
		return r;
	r = q_claim(&t->ref, my_slot(), t);
	if (r < 0) {
		vds_q_close(&t->ref);
		return r;
	}
	t->opened = 1;
	if (id == VDS_KERNEL_ID) /* numbered in claim order, which is the kernel's pop order */
		t->sqe->seq = ++kernel_seq;
	return 0;
}

/* Publish, with the authentication tag if it goes to the kernel (docs/TRUST.md). */
void q_publish_only(struct vds_ticket *t)
{
	if (t->ref.id == VDS_KERNEL_ID && vds_self_block.pid != 0) {
		t->sqe->sender = vds_self_block.pid;
		t->sqe->mac = vds_sqe_mac(vds_self_block.key, t->sqe);
	}
	q_publish(t);
}

/* Claim in a queue the caller already holds (the kernel's replies use its
 * own record of the queue). */
VDS_API int vds_q_claim(struct vds_qref *r, struct vds_ticket *t)
{
	t->ref = *r;
	t->opened = 0;
	return q_claim(&t->ref, my_slot(), t);
}

/* Publish the filled cell: releasing it is what sends it. */
VDS_API int vds_sqe_release(struct vds_ticket *t)
{
	q_publish_only(t);
	if (t->opened)
		vds_q_close(&t->ref);
	t->opened = 0;
	return 0;
}

/* ---- the owner's side ---- */

/* Pop from this address space's own queue (attached by vds_q_attach). */
VDS_API int vds_pop(struct vds_sqe *out)
{
	return me.ref.e ? q_pop_one(&me, out) : -VDS_ENOENT;
}

/* Up to max messages (max = -1: all that are published) into out[]. */
VDS_API int vds_pop_multiple(struct vds_sqe *out, int max)
{
	if (me.ref.e == NULL)
		return -VDS_ENOENT;
	return vds_q_pop(&me, out, max);
}

/* Pop with an explicit consumer (the kernel draining a dead process's queue). */
VDS_API int vds_q_pop(struct vds_consumer *c, struct vds_sqe *out, int max)
{
	int n = 0;
	uint32_t limit = max < 0 ? c->ref.mask + 1 : (uint32_t)max;
	while ((uint32_t)n < limit && q_pop_one(c, &out[n]))
		n++;
	return n;
}

/* A consumer handle for r at its owner's last position (the kernel uses it
 * to drain the queue of a process that died). */
VDS_API void vds_q_consumer(const struct vds_qref *r, struct vds_consumer *c)
{
	c->ref = *r;
	c->head = __atomic_load_n(&r->e->head, __ATOMIC_RELAXED);
}

/* Messages claimed or published and not yet popped (a snapshot). */
VDS_API uint64_t vds_q_len(const struct vds_qref *r)
{
	uint64_t head = __atomic_load_n(&r->e->head, __ATOMIC_RELAXED);
	uint64_t tail = __atomic_load_n(&r->e->tail, __ATOMIC_RELAXED);
	return tail > head ? tail - head : 0;
}

/* Make queue id this address space's own (its consumer handle is local). */
VDS_API int vds_q_attach(int id)
{
	for (int idx = 0; idx < VDS_NQUEUES; idx++) {
		struct vds_qentry *e = &registry[idx];
		if (__atomic_load_n(&e->state, __ATOMIC_ACQUIRE) == QE_READY &&
		    __atomic_load_n(&e->id, __ATOMIC_RELAXED) == id &&
		    snapshot(idx, &me.ref) == 0) {
			me.head = __atomic_load_n(&e->head, __ATOMIC_RELAXED);
			return 0;
		}
	}
	return -VDS_ENOENT;
}

/*
 * The sleep/wake handshake (io_uring's SQPOLL protocol). The owner sets
 * need_wakeup, then looks at its queue once more before sleeping; a sender
 * publishes, then reads need_wakeup. Each side is a store then a load, which
 * the hardware may reorder, so both sides touch need_wakeup with a seq_cst
 * read-modify-write: the owner's is acquire (its later look at the queue
 * stays after it), the sender's is release (its publish stays before it),
 * and the two are ordered against each other on need_wakeup itself. So
 * either the sender reads 1 and rings, or the owner sees the message.
 */
VDS_API void vds_q_set_need_wakeup(int on)
{
	if (me.ref.e)
		__atomic_exchange_n(&me.ref.e->need_wakeup, (uint32_t)on, __ATOMIC_SEQ_CST);
}

VDS_API int vds_q_empty(void)
{
	return me.ref.e == NULL || q_is_empty(&me);
}

/* Must the sender who just published to r ring the owner's doorbell?
 * (A read-modify-write on purpose: see vds_q_set_need_wakeup.) */
VDS_API int vds_q_need_wakeup(const struct vds_qref *r)
{
	return __atomic_fetch_add(&r->e->need_wakeup, 0, __ATOMIC_SEQ_CST) != 0;
}

/* ---- registration: the kernel only ---- */

VDS_API int vds_q_register(int idx, int id, uint32_t cap, struct vds_qref *out)
{
	if (idx < 0 || idx >= VDS_NQUEUES || id < 0 || cap < VDS_QCAP_MIN || cap > VDS_QCAP_MAX ||
	    (cap & (cap - 1)))
		return -VDS_EINVAL;
	struct vds_qentry *e = &registry[idx];
	uint32_t st = QE_EMPTY;
	if (!__atomic_compare_exchange_n(&e->state, &st, QE_PENDING, 0, __ATOMIC_ACQUIRE,
	                                 __ATOMIC_RELAXED))
		return -VDS_EBUSY;
	vds_rel_t seq = vds_shm_alloc((size_t)cap * sizeof(uint64_t));
	vds_rel_t sqe = vds_shm_alloc((size_t)cap * sizeof(struct vds_sqe));
	if (seq == VDS_REL_NULL || sqe == VDS_REL_NULL) {
		vds_shm_free(seq);
		vds_shm_free(sqe);
		__atomic_store_n(&e->state, QE_EMPTY, __ATOMIC_RELEASE);
		return -VDS_ENOMEM;
	}
	__atomic_store_n(&e->id, id, __ATOMIC_RELAXED);
	__atomic_store_n(&e->cap, cap, __ATOMIC_RELAXED);
	__atomic_store_n(&e->seq_rel, seq, __ATOMIC_RELAXED);
	__atomic_store_n(&e->sqe_rel, sqe, __ATOMIC_RELAXED);
	__atomic_store_n(&e->using, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&e->need_wakeup, 0, __ATOMIC_RELAXED);
	__atomic_add_fetch(&e->gen, 1, __ATOMIC_RELAXED);
	if (snapshot(idx, out) < 0) {
		__atomic_store_n(&e->state, QE_EMPTY, __ATOMIC_RELEASE);
		return -VDS_EINVAL;
	}
	q_init_cells(out, 0);
	/* release: the entry is complete before a sender can see it READY;
	 * pairs with the acquire in try_open(). */
	__atomic_store_n(&e->state, QE_READY, __ATOMIC_RELEASE);
	return 0;
}

/*
 * READY -> PENDING: no new sender gets in. r is the registrant's own record
 * (the kernel's), so the entry is taken back whatever shared data says now:
 * a process may have scribbled on its state or generation. -VDS_EBADMSG
 * tells that it had (the entry is PENDING all the same).
 */
VDS_API int vds_q_unregister_begin(const struct vds_qref *r)
{
	/* seq_cst: pairs with hold(); see there. */
	uint32_t was = __atomic_exchange_n(&r->e->state, QE_PENDING, __ATOMIC_SEQ_CST);
	if (was != QE_READY || __atomic_load_n(&r->e->gen, __ATOMIC_RELAXED) != r->gen)
		return -VDS_EBADMSG;
	return 0;
}

/* Who still has an operation in flight on r (one bit per slot). */
VDS_API uint64_t vds_q_users(const struct vds_qref *r)
{
	return __atomic_load_n(&r->e->using, __ATOMIC_SEQ_CST);
}

/* PENDING -> EMPTY, once vds_q_users() is 0. r is the kernel's own record:
 * the storage it frees is what it allocated, not what shared data says now. */
VDS_API int vds_q_unregister_finish(const struct vds_qref *r)
{
	/* No state check: the registrant decided. The seq_cst read of `using`
	 * that found it empty (vds_q_users) already ordered the senders'
	 * operations before this. */
	vds_shm_free(r->seq_rel);
	vds_shm_free(r->sqe_rel);
	__atomic_store_n(&r->e->id, -1, __ATOMIC_RELAXED);
	__atomic_store_n(&r->e->cap, 0, __ATOMIC_RELAXED);
	/* release: pairs with the acquire CAS in vds_q_register(). */
	__atomic_store_n(&r->e->state, QE_EMPTY, __ATOMIC_RELEASE);
	return 0;
}

/* The kernel, reaping the process in `slot`: cancel its unpublished cells in
 * every queue and drop its bits from every `using` set. */
VDS_API int vds_q_reap_slot(uint32_t slot)
{
	int n = 0;
	for (int idx = 0; idx < VDS_NQUEUES; idx++) {
		struct vds_qref r;
		uint32_t st = __atomic_load_n(&registry[idx].state, __ATOMIC_ACQUIRE);
		if (st != QE_EMPTY && snapshot(idx, &r) == 0)
			n += q_cancel_claims(&r, slot);
		/* release: pairs with the seq_cst load in vds_q_users(). */
		__atomic_fetch_and(&registry[idx].using, ~(1ULL << slot), __ATOMIC_RELEASE);
	}
	return n;
}
