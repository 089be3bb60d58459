/*
 * The ring: Vyukov's bounded queue with one word per cell, used as MPSC
 * (any address space sends, the owner pops). Positions only grow; cell i
 * serves positions i, i + cap, i + 2cap, ... A cell's word says which
 * position it is for and in which state (queue.h):
 *
 *   FREE(pos)             a sender may claim position pos
 *   CLAIMED(pos, outbox)  a sender claimed it and is writing its message
 *   PUBLISHED(pos, ref)   the reference to the message: the owner may pop it
 *   FREE(pos + cap)       popped (or skipped): free for the next lap
 *
 * A sender claims with ONE CAS on the cell's word (which records the
 * claiming outbox, so the kernel can cancel a dead writer's cell), then
 * moves the shared tail past it (anyone may do that for another). It
 * publishes with a second CAS, CLAIMED -> PUBLISHED: if that fails, the
 * owner gave up on the claim (it was not published within CLAIM_BOUND_NS)
 * and the sender claims again. Either the writer publishes or the owner
 * skips, never both. The owner pops with plain loads and stores, except
 * for that skip: it is the only consumer.
 */
#include "queue.h"

#define MAX_TRIES 4096 /* contention or a hostile writer: give up with -EAGAIN */

/* Fresh cells, the first position being `start` (tests start near 2^24). */
void q_init_cells(const struct vds_qref *r, uint64_t start)
{
	for (uint64_t i = 0; i <= r->mask; i++) {
		uint64_t pos = start + ((i - start) & r->mask); /* the first position of cell i */
		__atomic_store_n(&r->cells[i], cell_word(CELL_FREE, pos, 0), __ATOMIC_RELAXED);
	}
	__atomic_store_n(r->tail, start, __ATOMIC_RELAXED);
	__atomic_store_n(&r->ctl->head, start, __ATOMIC_RELAXED);
}

/*
 * The tail is public: a process may have written anything there. If it is
 * further from the owner's head (which only the owner writes) than an
 * honest tail can be, start again from the head. Honest tails are at most
 * two laps ahead of the published head (the owner publishes it per batch).
 */
int q_tail_sane(const struct vds_qref *r, uint64_t pos)
{
	uint64_t head = __atomic_load_n(&r->ctl->head, __ATOMIC_RELAXED);
	if (pos - head <= 2 * ((uint64_t)r->mask + 1))
		return 1;
	__atomic_compare_exchange_n(r->tail, &pos, head, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	return 0;
}

/*
 * Turn the free cell at the tail into (state, low), the slow way: the first
 * try (q_claim or q_put in queue.h) found the cell taken or the queue full.
 * Release: for a put, the message is complete before the reference shows.
 */
int q_take_cell_slow(const struct vds_qref *r, uint64_t state, uint64_t low, uint64_t *posp)
{
	for (int tries = 0; tries < MAX_TRIES; tries++) {
		uint64_t pos = __atomic_load_n(r->tail, __ATOMIC_RELAXED);
		uint64_t *cp = &r->cells[pos & r->mask];
		uint64_t w = __atomic_load_n(cp, __ATOMIC_RELAXED);
		if (w == cell_word(CELL_FREE, pos, 0)) {
			if (__atomic_compare_exchange_n(cp, &w, cell_word(state, pos, low), 0,
			                                __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
				q_tail_past(r->tail, pos);
				*posp = pos;
				return 0;
			}
			continue; /* another sender took it */
		}
		int32_t lead = cell_lead(w, pos);
		if (lead < 0) { /* the last lap's message is still there: full? */
			if (q_tail_sane(r, pos))
				return -VDS_EAGAIN;
			continue;
		}
		/* pos is taken (claimed, published or popped): our tail was behind */
		if (lead > 0 && !q_tail_sane(r, pos))
			continue;
		q_tail_past(r->tail, pos);
	}
	return -VDS_EAGAIN;
}

/*
 * The owner, when the cell at its head is not a plain published message:
 * the next reference in its queue, or 0 if there is none now. Cells that
 * honest writers never leave at the head are dealt with here: a cancelled
 * cell or a garbage word is skipped at once, a claim that is not
 * published within CLAIM_BOUND_NS is taken back (so no claim word, true or
 * forged, can stop a queue). Bounded: at most one lap per call.
 */
int q_next_ref_slow(struct vds_consumer *c, uint64_t *ref)
{
	const struct vds_qref *r = &c->q;
	for (uint32_t n = 0; n <= r->mask; n++) {
		uint64_t pos = c->head;
		uint64_t *cp = &r->cells[pos & r->mask];
		/* acquire: pairs with the release in q_publish(). */
		uint64_t w = __atomic_load_n(cp, __ATOMIC_ACQUIRE);
		uint64_t next = cell_word(CELL_FREE, pos + r->mask + 1, 0);
		if (cell_lead(w, pos) == 0 && cell_state(w) == CELL_PUBLISHED) {
			__atomic_store_n(cp, next, __ATOMIC_RELAXED);
			c->head = pos + 1;
			c->stuck_since = 0;
			if ((w & CELL_LOW_MASK) == REF_NONE) {
				c->stats.cancelled++;
				continue;
			}
			*ref = w & CELL_LOW_MASK;
			return 1;
		}
		if (cell_lead(w, pos) == 0 && cell_state(w) == CELL_FREE)
			return 0; /* empty */
		if (cell_lead(w, pos) == 0 && cell_state(w) == CELL_CLAIMED) {
			uint64_t now = clock_now();
			if (c->stuck_since == 0 || now < c->stuck_since) {
				c->stuck_since = now ? now : 1;
				return 0;
			}
			if (now - c->stuck_since < CLAIM_BOUND_NS)
				return 0; /* a slow writer: wait for it, up to the bound */
		}
		/* A claim past the bound, or a word no honest writer leaves here:
		 * take the cell back. The CAS fails if the writer published first. */
		if (!__atomic_compare_exchange_n(cp, &w, next, 0, __ATOMIC_RELAXED,
		                                 __ATOMIC_RELAXED))
			continue; /* it changed: look again */
		if (cell_state(w) == CELL_CLAIMED && cell_lead(w, pos) == 0)
			c->stats.skipped++;
		else
			c->stats.garbage++;
		c->head = pos + 1;
		c->stuck_since = 0;
	}
	return 0;
}

/*
 * The kernel, reaping the process whose outbox is ob: publish each cell
 * that process claimed but never published as cancelled, so the owner
 * moves past it at once. A live writer whose claim word a hostile process
 * forged to name ob loses nothing: its publish fails and it claims again.
 */
int q_cancel_claims(const struct vds_qref *r, uint32_t ob)
{
	int n = 0;
	for (uint64_t i = 0; i <= r->mask; i++) {
		uint64_t w = __atomic_load_n(&r->cells[i], __ATOMIC_RELAXED);
		if (cell_state(w) != CELL_CLAIMED || (w & CELL_LOW_MASK) != ob)
			continue;
		uint64_t done =
		    (w & ~(CELL_LOW_MASK | (3ULL << 62))) | CELL_PUBLISHED << 62 | REF_NONE;
		if (__atomic_compare_exchange_n(&r->cells[i], &w, done, 0, __ATOMIC_RELAXED,
		                                __ATOMIC_RELAXED))
			n++;
	}
	return n;
}
