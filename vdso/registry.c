/*
 * The queue registry: an array of entries in kernel-owned shared data, one
 * per registered queue (the kernel's, id 0, and one per process, id = pid).
 * Only the kernel writes it; every address space reads it, and can believe
 * what it reads.
 *
 *   register     EMPTY -> PENDING, initialise, -> READY (the kernel)
 *   use          find READY + id, mark ourselves inside, re-check READY, id
 *                and generation, operate, leave
 *   unregister   READY -> PENDING, wait until no live sender is inside,
 *                -> EMPTY (the kernel)
 *
 * "Inside" is the registry's `using` set, kept by each sender for itself:
 * bit i of the `inside` word in its own outbox header says it has an
 * operation in flight on entry i. Only that process (and the kernel) can
 * write the word, so no process can hold a queue in another's name, and
 * when a process dies the kernel simply stops looking at its word.
 */
#include <string.h>
#include <vdsos/mark.h>
#include "queue.h"

#define reg vds_sh.k.reg

VDS_LOCAL struct vds_qref q_cache[Q_CACHE_SIZE];
VDS_LOCAL uint32_t q_depth[VDS_NQUEUES];
VDS_LOCAL struct vds_consumer vds_me;  /* this address space's own queue */
VDS_LOCAL struct vds_obstate vds_mine; /* this address space's own outbox */
#define me   vds_me
#define mine vds_mine

/* The control words of entry idx: the owner's outbox header, or the kernel's. */
struct vds_qctl *q_ctl_of(uint32_t idx, uint32_t owner)
{
	if (owner == 0 || owner >= VDS_NSLOTS)
		return &vds_sh.k.kctl[idx % VDS_NQUEUES];
	return &vds_sh.outbox[owner].hdr.ctl;
}

static uint64_t *cells_of(int idx)
{
	return idx == 0 ? vds_sh.pub.kcells : vds_sh.pub.qcells[idx];
}

/* A handle on entry idx as the registry describes it now. */
int q_ref_of(int idx, struct vds_qref *r)
{
	const struct vds_qinfo *e = &reg[idx];
	uint32_t cap = __atomic_load_n(&e->cap, __ATOMIC_RELAXED);
	uint32_t max = idx == 0 ? VDS_QCAP_KERNEL : VDS_QCAP_PROC;
	if (cap < VDS_QCAP_MIN || cap > max || (cap & (cap - 1)))
		return -VDS_ENOQUEUE;
	r->cells = cells_of(idx);
	r->tail = &vds_sh.pub.q[idx].tail;
	r->owner = __atomic_load_n(&e->owner, __ATOMIC_RELAXED);
	r->ctl = q_ctl_of((uint32_t)idx, r->owner);
	r->mask = cap - 1;
	r->gen = __atomic_load_n(&e->gen, __ATOMIC_RELAXED);
	r->id = __atomic_load_n(&e->id, __ATOMIC_RELAXED);
	r->idx = idx;
	r->reserved = 0;
	return 0;
}

/* Find the queue of id and hold it until vds_q_close(). */
VDS_API int vds_q_open(int id, struct vds_qref *r)
{
	if (id < 0)
		return -VDS_EINVAL;
	const struct vds_qref *c = q_enter(id);
	if (c == NULL)
		return -VDS_ENOQUEUE;
	*r = *c; /* the caller's own copy: the cache entry may go to another id */
	return 0;
}

/* q_enter() when the cached handle for id is not (or no longer) valid:
 * look id up in the registry, hold it, and cache its handle. */
const struct vds_qref *q_enter_slow(int id)
{
	if (id < 0)
		return NULL;
	struct vds_qref r;
	for (int idx = 0; idx < VDS_NQUEUES; idx++) {
		const struct vds_qinfo *e = &reg[idx];
		if (__atomic_load_n(&e->state, __ATOMIC_ACQUIRE) != QE_READY ||
		    __atomic_load_n(&e->id, __ATOMIC_RELAXED) != id || q_ref_of(idx, &r) < 0 ||
		    r.id != id || q_hold(&r) < 0)
			continue;
		struct vds_qref *c = &q_cache[id % Q_CACHE_SIZE];
		*c = r;
		return c;
	}
	return NULL;
}

VDS_API void vds_q_close(struct vds_qref *r)
{
	if (r->idx >= 0 && r->idx < VDS_NQUEUES)
		q_unhold(r);
}

/* Messages claimed or published and not yet popped (a snapshot). */
VDS_API uint64_t vds_q_len(const struct vds_qref *r)
{
	uint64_t head = __atomic_load_n(&r->ctl->head, __ATOMIC_RELAXED);
	uint64_t tail = __atomic_load_n(r->tail, __ATOMIC_RELAXED);
	return tail > head && tail - head <= (uint64_t)r->mask + 1 ? tail - head : 0;
}

/* ---- the owner's side ---- */

/*
 * Make queue id this address space's own, to pop. Only its owner may: the
 * registry (kernel-owned) names the owner's slot. Anyone else trying gets
 * -VDS_EPERM; one who forces its way past this check faults on its first
 * pop, which writes the owner's head before it touches a cell.
 */
VDS_API int vds_q_attach(int id)
{
	for (int idx = 0; idx < VDS_NQUEUES; idx++) {
		const struct vds_qinfo *e = &reg[idx];
		if (__atomic_load_n(&e->state, __ATOMIC_ACQUIRE) != QE_READY ||
		    __atomic_load_n(&e->id, __ATOMIC_RELAXED) != id)
			continue;
		struct vds_qref r;
		if (q_ref_of(idx, &r) < 0)
			return -VDS_ENOQUEUE;
		if (r.owner != my_slot())
			return -VDS_EPERM;
		vds_q_consumer(&r, &me);
		return 0;
	}
	return -VDS_ENOQUEUE;
}

/* A consumer for r, starting at its owner's published head (the owner's
 * own pops, or the kernel popping a queue it owns). */
VDS_API void vds_q_consumer(const struct vds_qref *r, struct vds_consumer *c)
{
	memset(c, 0, sizeof(*c));
	c->q = *r;
	c->head = __atomic_load_n(&r->ctl->head, __ATOMIC_ACQUIRE);
}

/* Pop from this address space's own queue (attached by vds_q_attach). */
VDS_API int vds_pop(struct vds_sqe *out)
{
	return me.q.cells ? vds_q_pop(&me, out, 1) : -VDS_ENOQUEUE;
}

/* Up to max messages (max = -1: all that are published) into out[]. */
VDS_API int vds_pop_multiple(struct vds_sqe *out, int max)
{
	return me.q.cells ? vds_q_pop(&me, out, max) : -VDS_ENOQUEUE;
}

/* What this address space's own queue accepted and dropped, by reason. */
VDS_API void vds_q_stats(struct vds_rx_stats *out)
{
	*out = me.stats;
}

/* The owner's side of the sleep/wake handshake (q_set_need_wakeup in
 * queue.h says how it works). */
VDS_API void vds_q_set_need_wakeup(int on)
{
	if (me.q.ctl != NULL)
		q_set_need_wakeup(&me, (uint32_t)on);
}

/*
 * Poll this address space's own queue for up to ns nanoseconds: 1 as soon
 * as there is something to pop (or a coroutine was woken, or a receiver
 * died), 0 if nothing came. Each look is a handful of instructions between
 * marker instructions, so the plugin counts them apart (docs/BENCH.md).
 */
VDS_API int vds_q_wait(uint64_t ns)
{
	int got;
	VDS_MARK_SPIN_BEGIN();
	uint64_t until = clock_now() + ns,
	         deaths = __atomic_load_n(&vds_sh.k.deaths, __ATOMIC_RELAXED);
	for (uint32_t i = 0;; i++) {
		got = q_ready(&me) || exec_has_work() ||
		      __atomic_load_n(&vds_sh.k.deaths, __ATOMIC_RELAXED) != deaths;
		if (got || ((i & 15) == 15 && clock_now() > until))
			break;
		spin_pause();
	}
	VDS_MARK_SPIN_END();
	return got;
}

VDS_API int vds_q_empty(void)
{
	return me.q.cells == NULL || q_is_empty(&me);
}

/* Must the sender who just published to r ring the owner's doorbell? */
VDS_API int vds_q_need_wakeup(const struct vds_qref *r)
{
	return q_need_wakeup(r);
}

/* ---- registration: the kernel only (processes cannot write the registry) ---- */

/*
 * Register queue id with cap cells at entry idx, owned by the process in
 * slot owner (0: the kernel). The kernel chose every value; *out is its
 * own record, built from those values, never read back from shared data.
 */
VDS_KAPI int vds_q_register(int idx, int id, uint32_t cap, uint32_t owner, struct vds_qref *out)
{
	uint32_t max = idx == 0 ? VDS_QCAP_KERNEL : VDS_QCAP_PROC;
	if (idx < 0 || idx >= VDS_NQUEUES || id < 0 || owner >= VDS_NSLOTS || cap < VDS_QCAP_MIN ||
	    cap > max || (cap & (cap - 1)))
		return -VDS_EINVAL;
	struct vds_qinfo *e = &reg[idx];
	if (__atomic_load_n(&e->state, __ATOMIC_ACQUIRE) != QE_EMPTY)
		return -VDS_EBUSY;
	__atomic_store_n(&e->state, QE_PENDING, __ATOMIC_RELAXED);
	uint32_t gen = __atomic_load_n(&e->gen, __ATOMIC_RELAXED) + 1;
	*out = (struct vds_qref){
		.cells = cells_of(idx),
		.tail = &vds_sh.pub.q[idx].tail,
		.ctl = q_ctl_of((uint32_t)idx, owner),
		.mask = cap - 1,
		.gen = gen,
		.id = id,
		.idx = idx,
		.owner = owner,
	};
	q_init_cells(out, 0);
	__atomic_store_n(&out->ctl->need_wakeup, 0, __ATOMIC_RELAXED);
	/* Relaxed atomics: senders may read these at any time (they re-check
	 * after seeing READY, which is the release below). */
	__atomic_store_n(&e->id, id, __ATOMIC_RELAXED);
	__atomic_store_n(&e->cap, cap, __ATOMIC_RELAXED);
	__atomic_store_n(&e->owner, owner, __ATOMIC_RELAXED);
	__atomic_store_n(&e->gen, gen, __ATOMIC_RELAXED);
	/* release: the entry and the cells are complete before a sender can
	 * see it READY; pairs with the acquire in vds_q_open(). */
	__atomic_store_n(&e->state, QE_READY, __ATOMIC_RELEASE);
	return 0;
}

/* READY -> PENDING: no new sender gets in. r is the kernel's own record. */
VDS_KAPI void vds_q_unregister_begin(const struct vds_qref *r)
{
	/* seq_cst: pairs with q_hold() (queue.h); see there. */
	__atomic_store_n(&reg[r->idx].state, QE_PENDING, __ATOMIC_SEQ_CST);
	/* Its senders' outbox slots count as consumed from now on
	 * (slot_done() in outbox.h): they may reuse them. Receivers' calls to
	 * it end with -VDS_EDEAD.
	 * seq_cst: the kernel then reads each process's need_wakeup, which a
	 * process sets before it reads this count (a store, a fence, a load on
	 * either side): either it sees the death, or the kernel wakes it. */
	__atomic_add_fetch(&vds_sh.k.deaths, 1, __ATOMIC_SEQ_CST);
}

/* Which of the slots in `live` have an operation in flight on r (one bit per
 * slot). The caller passes the slots of processes not yet torn down. */
VDS_KAPI uint64_t vds_q_inside(const struct vds_qref *r, uint64_t live)
{
	uint64_t busy = 0;
	for (uint32_t s = 1; s < VDS_NSLOTS; s++) {
		if (!(live & (1ULL << s)))
			continue;
		/* seq_cst: pairs with q_hold() (queue.h). */
		uint64_t in = __atomic_load_n(&vds_sh.outbox[s].hdr.inside, __ATOMIC_SEQ_CST);
		if (in & (1ULL << r->idx))
			busy |= 1ULL << s;
	}
	return busy;
}

/* PENDING -> EMPTY, once nobody is inside. */
VDS_KAPI void vds_q_unregister_finish(const struct vds_qref *r)
{
	struct vds_qinfo *e = &reg[r->idx];
	__atomic_store_n(&e->id, -1, __ATOMIC_RELAXED);
	__atomic_store_n(&e->cap, 0, __ATOMIC_RELAXED);
	/* release: pairs with the acquire in vds_q_register(). */
	__atomic_store_n(&e->state, QE_EMPTY, __ATOMIC_RELEASE);
}

/* The kernel, reaping the process in `slot`: cancel the cells it claimed
 * and never published, in every queue. */
VDS_KAPI int vds_q_reap_slot(uint32_t slot)
{
	int n = 0;
	if (slot == 0 || slot >= VDS_NSLOTS)
		return 0;
	for (int idx = 0; idx < VDS_NQUEUES; idx++) {
		struct vds_qref r;
		if (__atomic_load_n(&reg[idx].state, __ATOMIC_ACQUIRE) != QE_EMPTY &&
		    q_ref_of(idx, &r) == 0)
			n += q_cancel_claims(&r, slot);
	}
	__atomic_store_n(&vds_sh.outbox[slot].hdr.inside, 0, __ATOMIC_RELAXED);
	return n;
}

/* Is there a registered queue with this id? (No hold: a snapshot.) */
int q_exists(int id)
{
	for (int idx = 0; idx < VDS_NQUEUES; idx++)
		if (__atomic_load_n(&reg[idx].state, __ATOMIC_ACQUIRE) == QE_READY &&
		    __atomic_load_n(&reg[idx].id, __ATOMIC_RELAXED) == id)
			return 1;
	return 0;
}
