/*
 * Outboxes: where messages are written, and how a receiver decides who
 * wrote them (docs/QUEUE.md, docs/TRUST.md).
 *
 * Sending. A sender writes its SQE in place in a free slot of its OWN
 * outbox (only it can write there: the page tables say so), claims a cell
 * in the receiver's queue, and publishes a reference (outbox, slot,
 * message number) into the cell. A slot is free again once the reference
 * was consumed: the receiver's head (which only the receiver writes, after
 * copying) has moved past the cell, or the queue was unregistered.
 *
 * Receiving. The receiver copies the SQE the reference names, once, and
 * keeps it only if
 *   - the outbox and slot exist and the outbox has an owner;
 *   - the slot holds the message the reference names (its number), and it
 *     did not change while we copied it (a seqlock on the number);
 *   - the message is addressed to us;
 *   - this queue has not accepted that number from that outbox before (a
 *     window of the last 64 numbers, kept in the consumer's private
 *     memory, as IPsec does).
 * The sender it reports is the owner of the outbox, never a field the
 * sender wrote. Anything else is dropped and counted.
 */
#include "outbox.h"

#define REPUBLISH_TRIES 8 /* our claim was taken back: claim again this often */

/* ---- sending ---- */

/* Set up o for outbox number ob (a process slot, or VDS_NSLOTS + s for
 * the kernel's outbox toward slot s). */
VDS_KAPI void vds_ob_init(struct vds_obstate *o, uint32_t ob)
{
	o->ob = ob;
	o->reserved = 0;
	o->seq = 0;
	o->split = 0;
	if (ob < VDS_NSLOTS) {
		o->slots = vds_sh.outbox[ob].slot;
		o->nslots = VDS_OUTBOX_SLOTS;
		o->split = VDS_OUTBOX_SLOTS - VDS_OUTBOX_KSLOTS;
		/* Go on from the last owner's numbers: its references still in
		 * queues can never name one of ours. */
		o->seq = __atomic_load_n(&vds_sh.outbox[ob].hdr.seq_base, __ATOMIC_RELAXED);
	} else {
		o->slots = vds_sh.kbox[(ob - VDS_NSLOTS) % VDS_NSLOTS].slot;
		o->nslots = VDS_KBOX_SLOTS;
	}
	o->next[0] = 0;
	o->next[1] = o->split;
	o->seen.idx = -1;
	for (uint32_t i = 0; i < VDS_OUTBOX_SLOTS; i++)
		o->sent[i].idx = -1;
}

/* Publish again, the slow way: our claim was taken back (we were slower
 * than the owner's bound), so claim another cell. 0 and the new *pos, or
 * -VDS_EAGAIN if the queue is full now. */
int ob_republish(struct vds_obstate *o, const struct vds_qref *q, uint64_t *pos, uint64_t ref)
{
	for (int tries = 0; tries < REPUBLISH_TRIES; tries++) {
		if (q_claim(q, o->ob, pos) < 0)
			break;
		if (q_publish(q, *pos, o->ob, ref) == 0)
			return 0;
	}
	return -VDS_EAGAIN;
}

/*
 * Take a slot of outbox o and claim a cell in queue r: the ticket's SQE is
 * zeroed and addressed to r, ready to be filled in place. The kernel calls
 * this with its own records of o and r; processes use vds_get_sqe().
 */
VDS_KAPI int vds_q_get(struct vds_obstate *o, const struct vds_qref *r, struct vds_ticket *t)
{
	uint32_t k;
	uint64_t pos;
	struct vds_sqe *m = take(o, r, &k, &pos);
	if (m == NULL)
		return -VDS_EAGAIN;
	m->op = 0;
	m->flags = 0;
	m->to = r->id;
	m->tag = 0;
#pragma GCC unroll 8
	for (int i = 0; i < 5; i++)
		m->arg[i] = 0;
	t->sqe = m;
	t->ob = o;
	t->q = *r;
	t->pos = pos;
	t->seq = ++o->seq;
	t->slot = k;
	t->held = 0;
	return 0;
}

/* The reply to request (op, tag): result, built in place in slot m. */
HOT void answer_fill(struct vds_sqe *m, uint32_t op, uint64_t tag, int64_t result)
{
	m->op = (uint16_t)op;
	m->flags = VDS_SQE_REPLY;
	m->tag = tag;
	m->arg[0] = (uint64_t)result;
#pragma GCC unroll 4
	for (int i = 1; i < 5; i++)
		m->arg[i] = 0;
}

/* vds_q_answer() when the oldest slot is in flight or the first CAS
 * failed: look at every slot, and retry the cell. */
static __attribute__((noinline)) int answer_slow(struct vds_obstate *o, const struct vds_qref *r,
                                                 uint32_t op, uint64_t tag, int64_t result)
{
	uint32_t k;
	struct vds_sqe *m = slot_for(o, r, &k);
	if (m == NULL)
		return -VDS_EAGAIN;
	answer_fill(m, op, tag, result);
	return put(o, r, k);
}

/* Answer request (op, tag) with result in queue r, from outbox o: the
 * reply built in place (the kernel's replies). 0, or -VDS_EAGAIN. */
VDS_KAPI int vds_q_answer(struct vds_obstate *o, const struct vds_qref *r, uint32_t op,
                          uint64_t tag, int64_t result)
{
	uint32_t k;
	struct vds_sqe *m = slot_oldest(o, r, &k);
	if (m == NULL)
		return answer_slow(o, r, op, tag, result);
	answer_fill(m, op, tag, result);
	if (put_once(o, r, k) < 0)
		return answer_slow(o, r, op, tag, result); /* the slot is still free */
	return 0;
}

/* Claim a cell in queue id and a slot of our outbox, for in-place filling;
 * vds_sqe_release() sends it. -VDS_ENOQUEUE: no such queue; -VDS_EAGAIN: the
 * queue is full or all our slots are in flight (back off and retry). */
VDS_API int vds_get_sqe(int id, struct vds_ticket *t)
{
	struct vds_qref r;
	int e = vds_q_open(id, &r);
	if (e < 0)
		return e;
	e = vds_q_get(&vds_mine, &r, t);
	if (e < 0) {
		vds_q_close(&r);
		return e;
	}
	t->held = 1;
	return 0;
}

/* Publish the filled SQE: releasing it is what sends it. Returns 0, or
 * -VDS_EAGAIN if the queue filled up meanwhile: then nothing was sent. */
VDS_API int vds_sqe_release(struct vds_ticket *t)
{
	int r = publish(t->ob, &t->q, t->slot, t->pos, t->seq);
	if (t->held)
		q_unhold(&t->q);
	t->held = 0;
	return r;
}

/* ---- receiving ---- */

/*
 * Pop up to max messages (max < 0: all that are there) from c's queue into
 * out[]: each one copied once and checked (q_accept). The owner's head is
 * published after the copies, which is what frees the senders' slots.
 */
/* The rest of vds_q_pop(): n messages taken, `looked` cells looked at. */
static __attribute__((noinline)) int pop_more(struct vds_consumer *c, struct vds_sqe *out,
                                              uint32_t limit, uint32_t n, uint32_t looked)
{
	uint64_t ref;
	for (; n < limit && looked <= c->q.mask && q_next_ref(c, &ref); looked++)
		n += (uint32_t)q_accept(c, ref, &out[n]);
	/* release: our copies are complete before a sender may reuse its slot;
	 * pairs with the acquire in slot_done(). */
	__atomic_store_n(&c->q.ctl->head, c->head, __ATOMIC_RELEASE);
	return (int)n;
}

VDS_API int vds_q_pop(struct vds_consumer *c, struct vds_sqe *out, int max)
{
	if (c->q.cells == NULL)
		return -VDS_ENOQUEUE;
	/* The first store is to the owner's own control words: a process that
	 * is not the owner faults here, before it has touched a cell. */
	__atomic_store_n(&c->q.ctl->head, c->head, __ATOMIC_RELAXED);
	uint32_t limit = max < 0 ? c->q.mask + 1 : (uint32_t)max;
	if (limit == 0)
		return 0;
	/* The usual case, one message and then nothing, without the loop (whose
	 * registers cost more than the message): the rest in pop_more(). */
	uint64_t ref;
	int took = q_next_ref(c, &ref);
	uint32_t n = took ? (uint32_t)q_accept(c, ref, out) : 0;
	if (took && n < limit && !q_is_empty(c))
		return pop_more(c, out, limit, n, 1);
	__atomic_store_n(&c->q.ctl->head, c->head, __ATOMIC_RELEASE); /* as in pop_more() */
	return (int)n;
}
