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
#include "queue.h"

#define REPUBLISH_TRIES 8 /* our claim was taken back: claim again this often */
#define WINDOW          64

/* ---- sending ---- */

/* Set up o for outbox number ob (a process slot, or VDS_NSLOTS + s for
 * the kernel's outbox toward slot s). */
VDS_API void vds_ob_init(struct vds_obstate *o, uint32_t ob)
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
	for (uint32_t i = 0; i < VDS_OUTBOX_SLOTS; i++)
		o->sent[i].idx = -1;
}

/* Has the message in this slot been consumed (or can it never be)? */
static int slot_done(const struct vds_obslot *e)
{
	if (e->idx < 0)
		return 1;
	if (e->pos == UINT64_MAX)
		return 0; /* being written */
	const struct vds_qinfo *q = &vds_sh.k.reg[e->idx % VDS_NQUEUES];
	if (__atomic_load_n(&q->state, __ATOMIC_ACQUIRE) != QE_READY ||
	    __atomic_load_n(&q->gen, __ATOMIC_RELAXED) != e->gen)
		return 1; /* its receiver is gone: nobody will read it */
	struct vds_qctl *ctl = q_ctl_of((uint32_t)e->idx, __atomic_load_n(&q->owner, __ATOMIC_RELAXED));
	/* acquire: pairs with the release in vds_q_pop(): the receiver's copy
	 * is done before we write the slot again. */
	return (int64_t)(__atomic_load_n(&ctl->head, __ATOMIC_ACQUIRE) - e->pos) > 0;
}

/*
 * A free slot for a message to queue idx, looking from the oldest;
 * -VDS_EAGAIN if all are in flight. A process's outbox keeps part of its
 * slots for the kernel: a receiver that never reads can hold up its
 * senders' messages to it, but never their system calls (exit included).
 */
static int ob_take(struct vds_obstate *o, int idx, uint32_t *k)
{
	int part = o->split && idx == 0;
	uint32_t lo = part ? o->split : 0, hi = o->split && !part ? o->split : o->nslots;
	for (uint32_t n = lo; n < hi; n++) {
		uint32_t i = o->next[part];
		o->next[part] = i + 1 == hi ? lo : i + 1;
		if (slot_done(&o->sent[i])) {
			*k = i;
			return 0;
		}
	}
	return -VDS_EAGAIN;
}

/*
 * Take a slot of outbox o and claim a cell in queue r: the ticket's SQE is
 * zeroed and addressed to r, ready to be filled in place. The kernel calls
 * this with its own records of o and r; processes use vds_get_sqe().
 */
VDS_API int vds_q_get(struct vds_obstate *o, const struct vds_qref *r, struct vds_ticket *t)
{
	uint32_t k;
	uint64_t pos;
	if (ob_take(o, r->idx, &k) < 0 || q_claim(r, o->ob, &pos) < 0)
		return -VDS_EAGAIN;
	o->sent[k] = (struct vds_obslot){ .idx = r->idx, .gen = r->gen, .pos = UINT64_MAX };
	struct vds_sqe *m = &o->slots[k];
	/* Number 0 first (release fence: before the new contents), so that a
	 * receiver copying an old reference to this slot sees it change. */
	__atomic_store_n(&m->seq, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	m->op = 0;
	m->flags = 0;
	m->to = r->id;
	m->tag = 0;
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

/* Claim a cell in queue id and a slot of our outbox, for in-place filling;
 * vds_sqe_release() sends it. -VDS_ENOENT: no such queue; -VDS_EAGAIN: the
 * queue is full or all our slots are in flight (back off and retry). */
VDS_API int vds_get_sqe(int id, struct vds_ticket *t)
{
	struct vds_qref r;
	int e = vds_q_open(id, &r);
	if (e < 0)
		return e;
	e = vds_q_get(my_outbox(), &r, t);
	if (e < 0) {
		vds_q_close(&r);
		return e;
	}
	t->held = 1;
	return 0;
}

/*
 * Publish the filled SQE: releasing it is what sends it. If the receiver
 * took our claim back meanwhile (we were too slow), claim again. Returns 0,
 * or -VDS_EAGAIN if the queue filled up meanwhile: then nothing was sent.
 */
VDS_API int vds_sqe_release(struct vds_ticket *t)
{
	struct vds_sqe *m = t->sqe;
	uint32_t ob = t->ob->ob;
	m->to = t->q.id;
	/* release: the contents before the number (the seqlock's writer side). */
	__atomic_store_n(&m->seq, t->seq, __ATOMIC_RELEASE);
	uint64_t ref = ref_make(ob, t->slot, t->seq);
	int r = q_publish(&t->q, t->pos, ob, ref);
	for (int tries = 0; r < 0 && tries < REPUBLISH_TRIES; tries++) {
		if (q_claim(&t->q, ob, &t->pos) < 0)
			break;
		r = q_publish(&t->q, t->pos, ob, ref);
	}
	if (r == 0)
		t->ob->sent[t->slot].pos = t->pos;
	else
		t->ob->sent[t->slot].idx = -1; /* not sent: the slot is free again */
	if (t->held)
		q_unhold(&t->q);
	t->held = 0;
	return r < 0 ? -VDS_EAGAIN : 0;
}

/* ---- receiving ---- */

/* The slot a reference names, or NULL if there is no such slot. */
static const struct vds_sqe *slot_of(uint32_t ob, uint32_t k)
{
	if (ob < VDS_NSLOTS)
		return ob > 0 && k < VDS_OUTBOX_SLOTS ? &vds_sh.outbox[ob].slot[k] : NULL;
	return k < VDS_KBOX_SLOTS ? &vds_sh.kbox[ob - VDS_NSLOTS].slot[k] : NULL;
}

/* Who owns outbox ob: a pid, 0 for the kernel's outboxes, -1 for nobody.
 * ob_pid is kernel-owned: it can be believed. */
static int32_t ob_owner(uint32_t ob)
{
	if (ob >= VDS_NSLOTS)
		return 0;
	int32_t pid = __atomic_load_n(&vds_sh.k.ob_pid[ob], __ATOMIC_ACQUIRE);
	return pid > 0 ? pid : -1;
}

/* Number s from outbox ob: new (remember it), or seen or too old (no). */
static int fresh(struct vds_consumer *c, uint32_t ob, int32_t pid, uint64_t s)
{
	struct vds_from *f = &c->from[ob];
	if (f->pid != pid) { /* a new owner of the outbox: its numbers start afresh */
		f->pid = pid;
		f->last = 0;
		f->seen = 0;
	}
	if (s > f->last) {
		uint64_t d = s - f->last;
		f->seen = (d >= WINDOW ? 0 : f->seen << d) | 1;
		f->last = s;
		return 1;
	}
	uint64_t d = f->last - s;
	if (d >= WINDOW || (f->seen >> d) & 1)
		return 0;
	f->seen |= 1ULL << d;
	return 1;
}

/* Copy the message reference ref names into *out if it is genuine and for
 * c's queue; 1 if so, 0 if it was dropped (and counted). */
int q_accept(struct vds_consumer *c, uint64_t ref, struct vds_sqe *out)
{
	uint32_t ob = ref_ob(ref);
	const struct vds_sqe *src = slot_of(ob, ref_slot(ref));
	int32_t pid = src ? ob_owner(ob) : -1;
	if (pid < 0) {
		c->stats.bad_ref++;
		return 0;
	}
	/* The seqlock's reader side: the number, the contents, the number again. */
	uint64_t s = __atomic_load_n(&src->seq, __ATOMIC_ACQUIRE);
	if (s == 0 || (s & REF_SEQ_MASK) != ref_seq(ref)) {
		c->stats.bad_seq++;
		return 0;
	}
	const uint64_t *w = (const uint64_t *)src;
	uint64_t *o = (uint64_t *)out;
	for (int i = 0; i < 8; i++)
		o[i] = __atomic_load_n(&w[i], __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&src->seq, __ATOMIC_RELAXED) != s || ob_owner(ob) != pid) {
		c->stats.bad_seq++; /* rewritten while we copied, or handed to a new owner */
		return 0;
	}
	if (out->to != c->q.id) {
		c->stats.wrong_to++;
		return 0;
	}
	if (!fresh(c, ob, pid, s)) {
		c->stats.replayed++;
		return 0;
	}
	out->sender = pid;
	c->stats.accepted++;
	return 1;
}

/*
 * Pop up to max messages (max < 0: all that are there) from c's queue into
 * out[]: each one copied once and checked (q_accept). The owner's head is
 * published after the copies, which is what frees the senders' slots.
 */
VDS_API int vds_q_pop(struct vds_consumer *c, struct vds_sqe *out, int max)
{
	if (c->q.cells == NULL)
		return -VDS_ENOENT;
	/* The first store is to the owner's own control words: a process that
	 * is not the owner faults here, before it has touched a cell. */
	__atomic_store_n(&c->q.ctl->head, c->head, __ATOMIC_RELAXED);
	uint32_t limit = max < 0 ? c->q.mask + 1 : (uint32_t)max;
	uint32_t n = 0;
	uint64_t ref;
	for (uint32_t looked = 0; n < limit && looked <= c->q.mask && q_next_ref(c, &ref); looked++)
		n += (uint32_t)q_accept(c, ref, &out[n]);
	/* release: our copies are complete before a sender may reuse its slot;
	 * pairs with the acquire in slot_done(). */
	__atomic_store_n(&c->q.ctl->head, c->head, __ATOMIC_RELEASE);
	return (int)n;
}
