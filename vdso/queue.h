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
int q_claim(const struct vds_qref *r, uint32_t ob, uint64_t *pos);
int q_publish(const struct vds_qref *r, uint64_t pos, uint32_t ob, uint64_t ref);
int q_next_ref(struct vds_consumer *c, uint64_t *ref);
int q_is_empty(const struct vds_consumer *c);
int q_cancel_claims(const struct vds_qref *r, uint32_t ob);

/* registry.c */
struct vds_qctl *q_ctl_of(uint32_t idx, uint32_t owner);
int q_ref_of(int idx, struct vds_qref *r);
int q_hold(const struct vds_qref *r);
void q_unhold(const struct vds_qref *r);
uint32_t my_slot(void);
struct vds_obstate *my_outbox(void);
struct vds_consumer *my_queue(void);
int q_exists(int id);

/* outbox.c */
int q_accept(struct vds_consumer *c, uint64_t ref, struct vds_sqe *out);

#endif
