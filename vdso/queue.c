/*
 * The ring: Vyukov's bounded queue with one sequence word per cell, used as
 * MPSC (any address space sends, the owner pops). Positions only grow; cell
 * i serves positions i, i + cap, i + 2cap, ...
 *
 *   seq == pos          free: a sender may claim position pos
 *   seq == claim(pos)   claimed by the writer in the word's slot, being filled
 *   seq == pos + 1      published: the owner may pop it
 *   seq == pos + cap    popped: free for position pos + cap
 *
 * A sender claims with ONE CAS on the cell's sequence word (which records
 * who claimed it, so the kernel can cancel a dead writer's cell exactly),
 * then moves the shared tail past it (anyone may do that on another's
 * behalf). Publishing is a release store of pos + 1. The owner pops with
 * plain loads and stores: it is the only consumer.
 */
#include <string.h>
#include "queue.h"

#define MAX_TRIES 4096 /* contention or a hostile writer: give up with -EAGAIN */

/*
 * Move the tail past pos, which is claimed. The tail only grows and we saw
 * it at pos or later, so one attempt is enough: if it fails, someone else
 * already moved it. RISC-V does it with one AMO that cannot fail.
 */
static void tail_past(uint64_t *tail, uint64_t pos)
{
#if defined(__riscv)
	__asm__ volatile("amomaxu.d zero, %1, %0" : "+A"(*tail) : "r"(pos + 1) : "memory");
#else
	__atomic_compare_exchange_n(tail, &pos, pos + 1, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
#endif
}

/* Fresh cells, the first position being `start` (tests start near 2^32). */
void q_init_cells(struct vds_qref *r, uint64_t start)
{
	for (uint64_t i = 0; i <= r->mask; i++) {
		uint64_t pos = start + ((i - start) & r->mask); /* the first position of cell i */
		__atomic_store_n(&r->seq[i], pos, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&r->e->tail, start, __ATOMIC_RELAXED);
	__atomic_store_n(&r->e->head, start, __ATOMIC_RELAXED);
}

int q_claim(struct vds_qref *r, uint32_t slot, struct vds_ticket *t)
{
	for (int tries = 0; tries < MAX_TRIES; tries++) {
		uint64_t pos = __atomic_load_n(&r->e->tail, __ATOMIC_RELAXED);
		uint64_t *seqp = &r->seq[pos & r->mask];
		/* acquire: pairs with the owner's release in q_pop_one(), so our
		 * writes to the cell cannot overtake its reads of the last message. */
		uint64_t s = __atomic_load_n(seqp, __ATOMIC_ACQUIRE);
		if (s == pos) {
			uint64_t claim = claim_word(pos, slot);
			if (__atomic_compare_exchange_n(seqp, &s, claim, 0, __ATOMIC_ACQUIRE,
			                                __ATOMIC_RELAXED)) {
				tail_past(&r->e->tail, pos);
				t->sqe = &r->sqe[pos & r->mask];
				t->pos = pos;
				t->claim = claim;
				/* A clean cell: nothing of its last message survives.
				 * (Struct assignment: eight stores, where picolibc's
				 * size-optimised memset would loop byte by byte.) */
				*t->sqe = (struct vds_sqe){ .sender = vds_self_block.pid };
				return 0;
			}
			continue; /* another sender took it */
		}
		if (s & SEQ_CLAIMED) {
			int32_t d = (int32_t)((uint32_t)s - (uint32_t)pos);
			if (d < 0)
				return -VDS_EAGAIN;  /* a writer of the previous lap: full */
			tail_past(&r->e->tail, pos); /* claimed at pos: help the tail on */
			continue;
		}
		if ((int64_t)(s - pos) < 0)
			return -VDS_EAGAIN;  /* last lap's message not popped yet: full */
		tail_past(&r->e->tail, pos); /* pos is taken; our tail was behind */
	}
	return -VDS_EAGAIN;
}

void q_publish(struct vds_ticket *t)
{
	/* release: the message's contents are visible before the owner can see
	 * the cell published; pairs with the acquire in q_pop_one(). A plain
	 * store is enough: the kernel cancels only the claims of dead writers,
	 * so nobody else writes this word while we hold the claim. */
	__atomic_store_n(&t->ref.seq[t->pos & t->ref.mask], t->pos + 1, __ATOMIC_RELEASE);
}

/* Pop the next published message into *out. 1 if one was popped, 0 if the
 * next cell is empty or still being filled (FIFO: a slow writer holds the
 * ones behind it, but nothing is lost or mixed). Cancelled cells are skipped. */
int q_pop_one(struct vds_consumer *c, struct vds_sqe *out)
{
	struct vds_qref *r = &c->ref;
	for (uint32_t n = 0; n <= r->mask; n++) {
		uint64_t pos = c->head;
		uint64_t *seqp = &r->seq[pos & r->mask];
		/* acquire: pairs with the release in q_publish(). */
		if (__atomic_load_n(seqp, __ATOMIC_ACQUIRE) != pos + 1)
			return 0;
		*out = r->sqe[pos & r->mask]; /* the one copy: eight loads and stores */
		/* release: our reads of the cell are done before a sender may reuse
		 * it; pairs with the acquire in q_claim(). */
		__atomic_store_n(seqp, pos + r->mask + 1, __ATOMIC_RELEASE);
		c->head = pos + 1;
		__atomic_store_n(&r->e->head, pos + 1, __ATOMIC_RELAXED); /* for the kernel */
		if (!(out->flags & VDS_SQE_CANCELLED))
			return 1;
	}
	return 0;
}

int q_is_empty(struct vds_consumer *c)
{
	uint64_t pos = c->head;
	return __atomic_load_n(&c->ref.seq[pos & c->ref.mask], __ATOMIC_ACQUIRE) != pos + 1;
}

/*
 * The kernel, reaping a process in `slot`: mark each cell that process
 * claimed but never published as cancelled and publish it, so the owner
 * moves past it. The dead writer cannot race with us. Returns how many.
 */
int q_cancel_claims(struct vds_qref *r, uint32_t slot)
{
	int n = 0;
	uint64_t tail = __atomic_load_n(&r->e->tail, __ATOMIC_ACQUIRE);
	for (uint64_t i = 0; i <= r->mask; i++) {
		uint64_t s = __atomic_load_n(&r->seq[i], __ATOMIC_ACQUIRE);
		if (!(s & SEQ_CLAIMED) || claim_slot(s) != slot)
			continue;
		/* The claimed position is the last one of cell i below the tail, or
		 * the tail itself if the writer died before moving it. */
		for (uint64_t t = tail; t <= tail + 1; t++) {
			uint64_t pos = (t - 1) - (((t - 1) - i) & r->mask);
			if ((uint32_t)pos != (uint32_t)s)
				continue;
			r->sqe[i].flags = VDS_SQE_CANCELLED;
			r->sqe[i].op = 0;
			/* release: the cancelled flag is visible with the cell; pairs
			 * with the owner's acquire in q_pop_one(). */
			if (__atomic_compare_exchange_n(&r->seq[i], &s, pos + 1, 0,
			                                __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
				tail_past(&r->e->tail, pos);
				n++;
			}
			break;
		}
	}
	return n;
}
