/*
 * Receive queues inside the vDSO: the cell word, and the functions the
 * ring (queue.c), the registry (registry.c) and the outboxes (outbox.c)
 * give each other. The algorithm, the cell states and every ordering are in
 * docs/QUEUE.md.
 */
#ifndef VDSO_QUEUE_H
#define VDSO_QUEUE_H

#include "internal.h"

/*
 * A cell is one 64-bit word:
 *
 *   63..62  state: FREE, CLAIMED or PUBLISHED
 *   61..38  the low 24 bits of the position the word is for
 *   37..0   CLAIMED: the claiming outbox; PUBLISHED: a reference
 *
 * A reference names a message: outbox (7 bits), slot in it (7 bits), and
 * the low 24 bits of the message's sequence number. Because the reference
 * and the state change together in one CAS, publishing cannot be torn, and
 * a writer that lost its claim cannot scribble on someone else's message.
 */
#define CELL_FREE      0ULL
#define CELL_CLAIMED   1ULL
#define CELL_PUBLISHED 2ULL
#define CELL_POS_BITS  24
#define CELL_POS_MASK  ((1ULL << CELL_POS_BITS) - 1)
#define CELL_LOW_BITS  38
#define CELL_LOW_MASK  ((1ULL << CELL_LOW_BITS) - 1)

static inline uint64_t cell_word(uint64_t state, uint64_t pos, uint64_t low)
{
	return state << 62 | (pos & CELL_POS_MASK) << CELL_LOW_BITS | (low & CELL_LOW_MASK);
}

static inline uint64_t cell_state(uint64_t w)
{
	return w >> 62;
}

static inline uint64_t cell_pos(uint64_t w)
{
	return (w >> CELL_LOW_BITS) & CELL_POS_MASK;
}

/* Signed distance from position pos to the position the word w is for. */
static inline int32_t cell_lead(uint64_t w, uint64_t pos)
{
	uint32_t d = (uint32_t)(cell_pos(w) - (pos & CELL_POS_MASK)) << (32 - CELL_POS_BITS);
	return (int32_t)d >> (32 - CELL_POS_BITS);
}

#define REF_SEQ_BITS 24
#define REF_SEQ_MASK ((1ULL << REF_SEQ_BITS) - 1)
#define REF_NONE     CELL_LOW_MASK /* a cancelled cell: the writer died before publishing */

static inline uint64_t ref_make(uint32_t ob, uint32_t slot, uint64_t seq)
{
	return (uint64_t)(ob & 127) << 31 | (uint64_t)(slot & 127) << 24 | (seq & REF_SEQ_MASK);
}

static inline uint32_t ref_ob(uint64_t ref)
{
	return (uint32_t)(ref >> 31) & 127;
}

static inline uint32_t ref_slot(uint64_t ref)
{
	return (uint32_t)(ref >> 24) & 127;
}

static inline uint64_t ref_seq(uint64_t ref)
{
	return ref & REF_SEQ_MASK;
}

/* A consumer gives up on a cell claimed this long and never published. */
#define CLAIM_BOUND_NS (50ULL * 1000 * 1000)

/* queue.c: the ring */
void q_init_cells(const struct vds_qref *r, uint64_t start);
int q_take_cell_slow(const struct vds_qref *r, uint64_t state, uint64_t low, uint64_t *pos);
int q_tail_sane(const struct vds_qref *r, uint64_t pos);
int q_next_ref_slow(struct vds_consumer *c, uint64_t *ref);

/*
 * Move the tail past pos. The tail only grows and we saw it at pos or
 * later, so one attempt is enough: if it fails, someone else already moved
 * it. RISC-V does it with one AMO that cannot fail.
 */
static inline void q_tail_past(uint64_t *tail, uint64_t pos)
{
#if defined(__riscv)
	__asm__ volatile("amomaxu.d zero, %1, %0" : "+A"(*tail) : "r"(pos + 1) : "memory");
#else
	__atomic_compare_exchange_n(tail, &pos, pos + 1, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
#endif
}

/*
 * Claim the cell at the tail for outbox ob: one CAS on the cell's word
 * (which records the claiming outbox, so the kernel can cancel a dead
 * writer's cell), then the tail moves past it. 0 and *pos, or -VDS_EAGAIN
 * if the queue is full (or held by a hostile writer past our patience).
 */
static inline int q_claim(const struct vds_qref *r, uint32_t ob, uint64_t *pos)
{
	/* LAB queue: BEGIN claim the cell at the tail with one CAS; q_take_cell_slow if that fails */
	uint64_t p = __atomic_load_n(r->tail, __ATOMIC_RELAXED);
	uint64_t *cp = &r->cells[p & r->mask];
	uint64_t w = cell_word(CELL_FREE, p, 0);
	if (__atomic_compare_exchange_n(cp, &w, cell_word(CELL_CLAIMED, p, ob), 0, __ATOMIC_RELAXED,
	                                __ATOMIC_RELAXED)) {
		q_tail_past(r->tail, p);
		*pos = p;
		return 0;
	}
	return q_take_cell_slow(r, CELL_CLAIMED, ob, pos);
	/* LAB queue: STUB */
#if 0
	(void)r, (void)ob, (void)pos;
	return -VDS_EAGAIN;
#endif
	/* LAB queue: END */
}

/*
 * Claim and publish at once: one CAS turns the free cell at the tail into
 * PUBLISHED(ref), for a message already complete in its outbox slot.
 * Release: the message before the reference; pairs with the acquire in
 * q_next_ref(). 0 and *pos; -1 if that cell was not free (taken by another
 * sender, or the queue is full): q_put() then looks further.
 */
static inline int q_put_once(const struct vds_qref *r, uint64_t ref, uint64_t *pos)
{
	uint64_t p = __atomic_load_n(r->tail, __ATOMIC_RELAXED);
	uint64_t w = cell_word(CELL_FREE, p, 0);
	if (!__atomic_compare_exchange_n(&r->cells[p & r->mask], &w,
	                                 cell_word(CELL_PUBLISHED, p, ref), 0, __ATOMIC_RELEASE,
	                                 __ATOMIC_RELAXED))
		return -1;
	q_tail_past(r->tail, p);
	*pos = p;
	return 0;
}

/* q_put_once(), and if its cell was taken, the next free one: 0 and *pos,
 * or -VDS_EAGAIN if the queue is full. */
static inline int q_put(const struct vds_qref *r, uint64_t ref, uint64_t *pos)
{
	return q_put_once(r, ref, pos) == 0 ? 0 : q_take_cell_slow(r, CELL_PUBLISHED, ref, pos);
}

/*
 * Publish the reference in our claimed cell. Release: the message in the
 * outbox is complete before the owner can see the reference; pairs with the
 * acquire in q_next_ref(). -VDS_ESTALE if the claim was lost (taken back
 * by the owner after CLAIM_BOUND_NS, or cancelled): nothing was published.
 */
static inline int q_publish(const struct vds_qref *r, uint64_t pos, uint32_t ob, uint64_t ref)
{
	/* LAB queue: BEGIN CLAIMED -> PUBLISHED(ref) with one CAS, releasing the message */
	uint64_t want = cell_word(CELL_CLAIMED, pos, ob);
	uint64_t *cp = &r->cells[pos & r->mask];
	if (__atomic_compare_exchange_n(cp, &want, cell_word(CELL_PUBLISHED, pos, ref), 0,
	                                __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		return 0;
	return -VDS_ESTALE;
	/* LAB queue: STUB */
#if 0
	(void)r, (void)pos, (void)ob, (void)ref;
	return -VDS_ESTALE;
#endif
	/* LAB queue: END */
}

/* Is there something at the owner's head to pop (or to skip) now? A cell
 * still being written (claimed) is not: look again later. */
static inline int q_ready(const struct vds_consumer *c)
{
	uint64_t pos = c->head;
	uint64_t w = __atomic_load_n(&c->q.cells[pos & c->q.mask], __ATOMIC_RELAXED);
	return w != cell_word(CELL_FREE, pos, 0) &&
	       (w >> CELL_LOW_BITS) != (CELL_CLAIMED << CELL_POS_BITS | (pos & CELL_POS_MASK));
}

/* Is the cell at the owner's head claimed and not yet published? */
static inline int q_claimed(const struct vds_consumer *c)
{
	uint64_t pos = c->head;
	uint64_t w = __atomic_load_n(&c->q.cells[pos & c->q.mask], __ATOMIC_RELAXED);
	return (w >> CELL_LOW_BITS) == (CELL_CLAIMED << CELL_POS_BITS | (pos & CELL_POS_MASK));
}

/* Is there nothing at all at the head (not even a claim)? */
static inline int q_is_empty(const struct vds_consumer *c)
{
	uint64_t pos = c->head;
	uint64_t w = __atomic_load_n(&c->q.cells[pos & c->q.mask], __ATOMIC_ACQUIRE);
	return w == cell_word(CELL_FREE, pos, 0);
}

/*
 * The owner: the next reference in its queue, or 0 if there is none now.
 * The usual case, a message published at the head, is a few instructions
 * here; anything else goes to q_next_ref_slow().
 */
static inline int q_next_ref(struct vds_consumer *c, uint64_t *ref)
{
	/* LAB queue: BEGIN pop the reference published at the head, free the cell for the next lap */
	uint64_t pos = c->head, *cp = &c->q.cells[pos & c->q.mask];
	/* acquire: pairs with the release in q_publish(): the message the
	 * reference names is complete in its outbox. */
	uint64_t w = __atomic_load_n(cp, __ATOMIC_ACQUIRE);
	if ((w >> CELL_LOW_BITS) == (CELL_PUBLISHED << CELL_POS_BITS | (pos & CELL_POS_MASK)) &&
	    (w & CELL_LOW_MASK) != REF_NONE && c->stuck_since == 0) {
		/* Relaxed: the word itself is all we read from the cell; the
		 * outbox slot is guarded by the head (published after copying). */
		__atomic_store_n(cp, cell_word(CELL_FREE, pos + c->q.mask + 1, 0),
		                 __ATOMIC_RELAXED);
		c->head = pos + 1;
		*ref = w & CELL_LOW_MASK;
		return 1;
	}
	if (w == cell_word(CELL_FREE, pos, 0))
		return 0;
	return q_next_ref_slow(c, ref);
	/* LAB queue: STUB */
#if 0
	(void)c, (void)ref;
	return 0;
#endif
	/* LAB queue: END */
}
int q_cancel_claims(const struct vds_qref *r, uint32_t ob);

/*
 * The sleep/wake handshake (io_uring's SQPOLL protocol), inline for the
 * message layer (the exported vds_q_set_need_wakeup/vds_q_need_wakeup call
 * these). The owner sets need_wakeup, then looks at its queue once more
 * before sleeping; a sender publishes, then reads need_wakeup. Each side
 * is a store then a load, which the hardware may reorder, so each puts a
 * full fence between them (the sender cannot use a read-modify-write here:
 * it may only read the owner's page). So either the sender reads 1 and
 * rings, or the owner sees the message.
 */
static inline void q_set_need_wakeup(struct vds_consumer *c, uint32_t on)
{
	/* LAB doorbell: BEGIN publish need_wakeup = on, ordered before the look that follows */
	__atomic_store_n(&c->q.ctl->need_wakeup, on, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* pairs with the fence in q_need_wakeup */
	                                         /* LAB doorbell: STUB */
#if 0
	(void)c, (void)on;
#endif
	/* LAB doorbell: END */
}

/* Must the sender who just published to r ring the owner's doorbell? */
static inline int q_need_wakeup(const struct vds_qref *r)
{
	/* LAB doorbell: BEGIN does the owner of r sleep (or is about to)? Ordered after our publish */
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* pairs with the fence in q_set_need_wakeup */
	return __atomic_load_n(&r->ctl->need_wakeup, __ATOMIC_RELAXED) != 0;
	/* LAB doorbell: STUB */
#if 0
	(void)r;
	return 0;
#endif
	/* LAB doorbell: END */
}

/* registry.c */
#define Q_CACHE_SIZE 16 /* id -> handle, per address space, verified on use */
/* Validated handles by id; each use re-checks state, id and generation. */
extern VDS_HIDDEN VDS_LOCAL struct vds_qref q_cache[Q_CACHE_SIZE];
extern VDS_HIDDEN VDS_LOCAL uint32_t q_depth[VDS_NQUEUES]; /* nested holds by this space */
struct vds_qctl *q_ctl_of(uint32_t idx, uint32_t owner);
int q_ref_of(int idx, struct vds_qref *r);
const struct vds_qref *q_enter_slow(int id);

/* This address space's slot: its outbox, and its bit in `inside` words. */
static inline uint32_t my_slot(void)
{
	return vds_self_block.slot % VDS_NSLOTS;
}

/* Is entry idx still registration gen of queue id? */
static inline int q_still_is(int32_t idx, int32_t id, uint32_t gen)
{
	const struct vds_qinfo *e = &vds_sh.k.reg[idx];
	/* One address for the three loads: otherwise GCC forms each field's
	 * address from the symbol anew (two instructions each). */
	__asm__("" : "+r"(e));
	/* seq_cst: see q_hold(). */
	return __atomic_load_n(&e->state, __ATOMIC_SEQ_CST) == QE_READY &&
	       __atomic_load_n(&e->id, __ATOMIC_RELAXED) == id &&
	       __atomic_load_n(&e->gen, __ATOMIC_RELAXED) == gen;
}

/* Is r still the registration it was taken from? */
static inline int q_still(const struct vds_qref *r)
{
	return q_still_is(r->idx, r->id, r->gen);
}

/*
 * Leave r's queue (q_hold, q_enter). The kernel's own queue is never
 * unregistered, and the kernel's own sends never overlap its unregisters
 * (one executor): neither needs the protocol.
 */
static inline __attribute__((always_inline)) void q_unhold_as(const struct vds_qref *r, int proc)
{
	int32_t idx = r->idx;
	if (idx == 0 || !proc)
		return;
	if (q_depth[idx] > 0 && --q_depth[idx] == 0)
		/* release: our operation on the queue is complete before an
		 * unregister that sees the bit clear may reuse the entry. */
		__atomic_fetch_and(&vds_sh.outbox[my_slot()].hdr.inside, ~(1ULL << idx),
		                   __ATOMIC_RELEASE);
}

/* q_unhold_as() for whoever we are (the kernel: pid 0). */
static inline void q_unhold(const struct vds_qref *r)
{
	q_unhold_as(r, vds_self_block.pid != 0);
}

/* Step inside r's queue, then check it is still the queue r describes:
 * 0, or -VDS_ENOQUEUE (and we are outside again). `proc`: are we a
 * process (the kernel's own sends need no protocol)? A caller that knows
 * passes a constant, and the test goes away. */
static inline __attribute__((always_inline)) int q_hold_as(const struct vds_qref *r, int proc)
{
	/* r's words read once: the atomics below would make the compiler
	 * read them again. */
	int32_t idx = r->idx, id = r->id;
	uint32_t gen = r->gen;
	if (idx == 0 || !proc)
		return q_still_is(idx, id, gen) ? 0 : -VDS_ENOQUEUE;
	if (q_depth[idx]++ == 0)
		/* seq_cst: our bit is set before we re-check the state, and
		 * unregister sets the state before it reads the bits: one of us
		 * sees the other. Pairs with vds_q_unregister_begin/vds_q_inside. */
		__atomic_fetch_or(&vds_sh.outbox[my_slot()].hdr.inside, 1ULL << idx,
		                  __ATOMIC_SEQ_CST);
	if (q_still_is(idx, id, gen))
		return 0;
	q_unhold_as(r, proc); /* being unregistered, or recycled under us */
	return -VDS_ENOQUEUE;
}

static inline int q_hold(const struct vds_qref *r)
{
	return q_hold_as(r, vds_self_block.pid != 0);
}

/* q_enter()'s usual case alone, without a call: the handle cached for id,
 * entered (proc: as q_hold_as()); NULL if it is not there (or no longer
 * valid). */
static inline __attribute__((always_inline)) const struct vds_qref *q_enter_cached(int id, int proc)
{
	if (id < 0)
		return NULL;
	const struct vds_qref *c = &q_cache[id % Q_CACHE_SIZE];
	return c->cells != NULL && c->id == id && q_hold_as(c, proc) == 0 ? c : NULL;
}

/*
 * Enter the queue of id for one operation, as vds_q_open() does, but
 * without copying its handle: the handle in the cache, valid until
 * q_unhold(); NULL if id has no queue. The cache entry may be given to
 * another id if the caller opens queues (or lets other code run) before
 * it is done: it must copy the handle first then.
 */
static inline const struct vds_qref *q_enter(int id)
{
	const struct vds_qref *c = q_enter_cached(id, vds_self_block.pid != 0);
	return c != NULL ? c : q_enter_slow(id);
}
int q_exists(int id);
extern VDS_HIDDEN VDS_LOCAL struct vds_consumer vds_me;  /* this address space's own queue */
extern VDS_HIDDEN VDS_LOCAL struct vds_obstate vds_mine; /* this address space's own outbox */

/* outbox.c */

/* Message number seq, sent from slot k of our outbox, is known consumed
 * (its reply came). Unless the slot carries another message by now: a
 * call may wait long after its request was read, and the slot be taken
 * again meanwhile. */
static inline void ob_consumed(struct vds_obstate *o, uint32_t k, uint64_t seq)
{
	if (k < VDS_OUTBOX_SLOTS && o->sent[k].pos != UINT64_MAX &&
	    __atomic_load_n(&o->slots[k].seq, __ATOMIC_RELAXED) == seq)
		o->sent[k].idx = -1;
}

#endif
