/*
 * The hot paths of outboxes, inline: taking a slot, claiming a cell and
 * publishing a reference (sending), and checking and copying a message a
 * reference names (receiving). vdso/outbox.c says why each step is there;
 * it, vdso/msg.c and the exported entry points build on these.
 */
#ifndef VDSO_OUTBOX_H
#define VDSO_OUTBOX_H

#include "queue.h"

#define WINDOW 64 /* numbers per outbox a receiver remembers (replays) */

int ob_republish(struct vds_obstate *o, const struct vds_qref *q, uint64_t *pos, uint64_t ref);

#define HOT static inline __attribute__((always_inline))

/* Has the message in o's slot e been consumed (or can it never be)? */
HOT int slot_done(struct vds_obstate *o, const struct vds_obslot *e)
{
	if (e->idx < 0)
		return 1;
	if (e->pos == UINT64_MAX)
		return 0; /* being written */
	/* The receiver's head as we last read it may say so already: its
	 * cache line is written at every pop, and reading it costs a miss. */
	if (e->idx == o->seen.idx && e->gen == o->seen.gen && (int64_t)(o->seen.head - e->pos) > 0)
		return 1;
	/* acquire: pairs with the release in vds_q_pop(): the receiver's copy
	 * is done before we write the slot again (for every position below
	 * the head we read: so the value we keep may be believed later). */
	uint64_t head = __atomic_load_n(&e->ctl->head, __ATOMIC_ACQUIRE);
	o->seen.idx = e->idx;
	o->seen.gen = e->gen;
	o->seen.head = head;
	if ((int64_t)(head - e->pos) > 0)
		return 1;
	/* Not read yet: unless its receiver is gone, and nobody ever will. */
	const struct vds_qinfo *q = &vds_sh.k.reg[e->idx % VDS_NQUEUES];
	return __atomic_load_n(&q->state, __ATOMIC_ACQUIRE) != QE_READY ||
	       __atomic_load_n(&q->gen, __ATOMIC_RELAXED) != e->gen;
}

/* Which part of o's slots carries messages to queue idx ([*lo, *hi)). */
HOT uint32_t ob_part(const struct vds_obstate *o, int idx, uint32_t *lo, uint32_t *hi)
{
	uint32_t part = o->split && idx == 0;
	*lo = part ? o->split : 0;
	*hi = o->split && !part ? o->split : o->nslots;
	return part;
}

/* Look at the oldest slot of a part, and move on past it: 1 and *k if it
 * is free. */
HOT int ob_look(struct vds_obstate *o, uint32_t part, uint32_t lo, uint32_t hi, uint32_t *k)
{
	uint32_t i = o->next[part];
	o->next[part] = i + 1 == hi ? lo : i + 1;
	*k = i;
	return slot_done(o, &o->sent[i]);
}

/*
 * A free slot for a message to queue idx, looking from the oldest (usually
 * the first one looked at); -VDS_EAGAIN if all are in flight. A process's
 * outbox keeps part of its slots for the kernel: a receiver that never
 * reads can hold up its senders' messages to it, but never their system
 * calls (exit included).
 */
HOT int ob_take(struct vds_obstate *o, int idx, uint32_t *k)
{
	uint32_t lo, hi, part = ob_part(o, idx, &lo, &hi);
	for (uint32_t n = lo; n < hi; n++)
		if (ob_look(o, part, lo, hi, k))
			return 0;
	return -VDS_EAGAIN;
}

/* Take a slot and claim a cell for a message to q; *m is zeroed but for
 * its number (0 until published: see q_accept's seqlock). */
HOT struct vds_sqe *take(struct vds_obstate *o, const struct vds_qref *q, uint32_t *k,
                         uint64_t *pos)
{
	if (ob_take(o, q->idx, k) < 0 || q_claim(q, o->ob, pos) < 0)
		return NULL;
	o->sent[*k] =
	    (struct vds_obslot){ .idx = q->idx, .gen = q->gen, .pos = UINT64_MAX, .ctl = q->ctl };
	struct vds_sqe *m = &o->slots[*k];
	/* Number 0 first (release fence: before the new contents), so that a
	 * receiver copying an old reference to this slot sees it change. */
	__atomic_store_n(&m->seq, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	return m;
}

/*
 * A message in our outbox that was numbered but could not be sent (the
 * queue was full, or our claim was lost): take its number back. Otherwise
 * a reference to it, forged later by anyone, would be accepted as ours
 * (the number is one the receiver never saw), and the message would run
 * although we reported it unsent, or twice if we send it again under a
 * new number (as the general way of a call does).
 */
HOT void slot_abandoned(struct vds_sqe *m)
{
	__atomic_store_n(&m->seq, 0, __ATOMIC_RELAXED);
}

/*
 * Send the message in slot k (number seq), claimed at *pos: publish its
 * reference. If the receiver took our claim back meanwhile (we were
 * slower than its bound), claim again. 0, or -VDS_EAGAIN if the queue
 * filled up meanwhile: then nothing was sent and the slot is free again.
 */
HOT int publish(struct vds_obstate *o, const struct vds_qref *q, uint32_t k, uint64_t pos,
                uint64_t seq)
{
	struct vds_sqe *m = &o->slots[k];
	m->to = q->id;
	/* release: the contents before the number (the seqlock's writer side). */
	__atomic_store_n(&m->seq, seq, __ATOMIC_RELEASE);
	uint64_t ref = ref_make(o->ob, k, seq);
	int r = q_publish(q, pos, o->ob, ref);
	if (r < 0)
		r = ob_republish(o, q, &pos, ref);
	if (r < 0) {
		slot_abandoned(m);
		o->sent[k].idx = -1;
		return -VDS_EAGAIN;
	}
	o->sent[k].pos = pos;
	return 0;
}

/* Slot k of o, taken for a new message: its number zeroed first (release
 * fence: before the new contents), so that a receiver copying an old
 * reference to this slot sees it change. */
HOT struct vds_sqe *slot_taken(struct vds_obstate *o, uint32_t k)
{
	struct vds_sqe *m = &o->slots[k];
	__atomic_store_n(&m->seq, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	return m;
}

/* A free slot k of o for a message to q, ready to be written (slot_taken);
 * NULL if all are in flight. */
HOT struct vds_sqe *slot_for(struct vds_obstate *o, const struct vds_qref *q, uint32_t *k)
{
	return ob_take(o, q->idx, k) < 0 ? NULL : slot_taken(o, *k);
}

/* The oldest slot of o for a message to q, if it is free: ob_take()'s
 * usual case without its search (which a caller with a general way to
 * fall back on leaves to that). NULL if it is still in flight. */
HOT struct vds_sqe *slot_oldest(struct vds_obstate *o, const struct vds_qref *q, uint32_t *k)
{
	uint32_t lo, hi, part = ob_part(o, q->idx, &lo, &hi);
	return ob_look(o, part, lo, hi, k) ? slot_taken(o, *k) : NULL;
}

/*
 * Send the message written in slot k: its number (release: the contents
 * before it, the seqlock's writer side), then one CAS puts its reference in
 * a free cell. 0, or -VDS_EAGAIN if the queue is full (the slot stays free).
 * With `retry` 0, only the first try (q_put_once): a caller with a general
 * way to fall back on keeps its fast path free of calls, and so of saved
 * registers.
 */
HOT int put_with(struct vds_obstate *o, const struct vds_qref *q, uint32_t k, int retry)
{
	struct vds_sqe *m = &o->slots[k];
	uint64_t seq = ++o->seq, pos, ref = ref_make(o->ob, k, seq);
	m->to = q->id;
	__atomic_store_n(&m->seq, seq, __ATOMIC_RELEASE);
	if ((retry ? q_put(q, ref, &pos) : q_put_once(q, ref, &pos)) < 0) {
		slot_abandoned(m);
		return -VDS_EAGAIN;
	}
	o->sent[k] = (struct vds_obslot){ .idx = q->idx, .gen = q->gen, .pos = pos, .ctl = q->ctl };
	return 0;
}

HOT int put(struct vds_obstate *o, const struct vds_qref *q, uint32_t k)
{
	return put_with(o, q, k, 1);
}

HOT int put_once(struct vds_obstate *o, const struct vds_qref *q, uint32_t k)
{
	return put_with(o, q, k, 0);
}

/* What a sender writes of *m into its slot d: op, flags, tag and
 * arguments (the number, the addressee and the sender are not its own). */
HOT void sqe_copy_in(struct vds_sqe *d, const struct vds_sqe *m)
{
	d->op = m->op;
	d->flags = m->flags;
	d->tag = m->tag;
#pragma GCC unroll 8
	for (int i = 0; i < 5; i++)
		d->arg[i] = m->arg[i];
}

/* Send a copy of *m to q from outbox o: written once, straight into the
 * slot. Returns the slot, or -VDS_EAGAIN. */
HOT int q_send(struct vds_obstate *o, const struct vds_qref *q, const struct vds_sqe *m)
{
	uint32_t k;
	struct vds_sqe *d = slot_for(o, q, &k);
	if (d == NULL)
		return -VDS_EAGAIN;
	sqe_copy_in(d, m);
	return put(o, q, k) < 0 ? -VDS_EAGAIN : (int)k;
}

/* Number s from outbox ob (owned by pid): new for this queue (remember
 * it), or seen or too old (no). The usual case: the next number. */
HOT int fresh(struct vds_consumer *c, uint32_t ob, int32_t pid, uint64_t s)
{
	struct vds_from *f = &c->from[ob];
	if (f->pid == pid && s == f->last + 1) {
		f->seen = f->seen << 1 | 1;
		f->last = s;
		return 1;
	}
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

/*
 * Copy the message reference ref names into *out if it is genuine and for
 * c's queue; 1 if so, 0 if it was dropped (and counted). Who owns outbox
 * ob is kernel-owned data (ob_pid), so it can be believed; the kernel's
 * outboxes (64 + s) are the kernel's (pid 0).
 */
HOT int q_accept(struct vds_consumer *c, uint64_t ref, struct vds_sqe *out)
{
	/* 64-bit indices: the address arithmetic needs no zero-extension. */
	uint64_t ob = ref_ob(ref), k = ref_slot(ref);
	const struct vds_sqe *src;
	const int32_t *owner = NULL; /* ob_pid[ob], for a process's outbox */
	int32_t pid = 0;
	if (ob >= VDS_NSLOTS) {
		if (k >= VDS_KBOX_SLOTS)
			goto bad_ref;
		src = &vds_sh.kbox[ob - VDS_NSLOTS].slot[k];
	} else {
		if (ob == 0 || k >= VDS_OUTBOX_SLOTS)
			goto bad_ref;
		src = &vds_sh.outbox[ob].slot[k];
		owner = &vds_sh.k.ob_pid[ob];
		/* acquire: pairs with the kernel's release when it gave the outbox. */
		pid = __atomic_load_n(owner, __ATOMIC_ACQUIRE);
		if (pid <= 0)
			goto bad_ref;
	}
	/* The seqlock's reader side: the number, the contents, the number again. */
	uint64_t s = __atomic_load_n(&src->seq, __ATOMIC_ACQUIRE);
	if (s == 0 || (s & REF_SEQ_MASK) != ref_seq(ref))
		goto bad_seq;
	const uint64_t *w = (const uint64_t *)src;
	uint64_t *o = (uint64_t *)out;
#pragma GCC unroll 8
	for (int i = 0; i < 8; i++)
		o[i] = __atomic_load_n(&w[i], __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&src->seq, __ATOMIC_RELAXED) != s ||
	    (ob < VDS_NSLOTS && __atomic_load_n(owner, __ATOMIC_RELAXED) != pid))
		goto bad_seq; /* rewritten while we copied, or handed to a new owner */
	if (out->to != c->q.id) {
		c->stats.wrong_to++;
		return 0;
	}
	if (!fresh(c, (uint32_t)ob, pid, s)) {
		c->stats.replayed++;
		return 0;
	}
	out->sender = pid;
	c->stats.accepted++;
	return 1;
bad_ref:
	c->stats.bad_ref++;
	return 0;
bad_seq:
	c->stats.bad_seq++;
	return 0;
}

/* Take the next reference in c and copy its message into *out: 1, or 0 if
 * there was none or it was dropped (q_pop1() goes on past dropped ones;
 * this, without a loop, is lighter for a caller that expects one). */
HOT int q_pop_once(struct vds_consumer *c, struct vds_sqe *out)
{
	uint64_t ref, start = c->head;
	int got = q_next_ref(c, &ref) && q_accept(c, ref, out);
	if (c->head != start)
		/* release: pairs with the acquire in slot_done(). */
		__atomic_store_n(&c->q.ctl->head, c->head, __ATOMIC_RELEASE);
	return got;
}

/* Pop one message from c into *out: 1, or 0 if there is none now. The
 * owner's head is published after the copy (it frees the sender's slot). */
HOT int q_pop1(struct vds_consumer *c, struct vds_sqe *out)
{
	uint64_t ref, start = c->head;
	int got = 0;
	for (uint32_t n = 0; !got && n <= c->q.mask && q_next_ref(c, &ref); n++)
		got = q_accept(c, ref, out);
	if (c->head != start)
		/* release: pairs with the acquire in slot_done(). */
		__atomic_store_n(&c->q.ctl->head, c->head, __ATOMIC_RELEASE);
	return got;
}

#endif
