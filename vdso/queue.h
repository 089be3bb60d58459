/*
 * Receive queues: the registry entry (shared data) and the ring operations.
 * The algorithm, the cell states and every ordering are in docs/QUEUE.md.
 */
#ifndef VDSO_QUEUE_H
#define VDSO_QUEUE_H

#include "internal.h"

enum qe_state {
	QE_EMPTY,   /* free for registration */
	QE_PENDING, /* being set up or torn down: senders stay away */
	QE_READY,   /* registered: senders may use it */
};

/* One registry entry: the queue's identity and its positions. */
struct vds_qentry {
	uint32_t state;       /* enum qe_state */
	int32_t id;           /* 0: the kernel; otherwise the owner's pid */
	uint32_t gen;         /* registrations of this entry so far */
	uint32_t cap;         /* cells, a power of two */
	vds_rel_t seq_rel;    /* uint64_t seq[cap] */
	vds_rel_t sqe_rel;    /* struct vds_sqe cells[cap] */
	uint64_t using;       /* one bit per address space with an operation in flight */
	uint32_t need_wakeup; /* the owner's poller is asleep (or about to be) */
	uint32_t reserved;
	uint64_t tail __attribute__((aligned(64))); /* next position to claim (producers) */
	uint64_t head __attribute__((aligned(64))); /* next position to pop (owner writes) */
	uint8_t pad[56];
};

_Static_assert(sizeof(struct vds_qentry) == 192, "three cache lines per entry");

/* The sequence word of a claimed cell: bit 63, the writer's slot, the low
 * 32 bits of the position. Free cells hold their position, published cells
 * their position + 1; positions never reach 2^63. */
#define SEQ_CLAIMED (1ULL << 63)

static inline uint64_t claim_word(uint64_t pos, uint32_t slot)
{
	return SEQ_CLAIMED | ((uint64_t)(slot & 0x7fffffffU) << 32) | (uint32_t)pos;
}

static inline uint32_t claim_slot(uint64_t word)
{
	return (uint32_t)(word >> 32) & 0x7fffffffU;
}

/* queue.c */
void q_init_cells(struct vds_qref *r, uint64_t start);
int q_claim(struct vds_qref *r, uint32_t slot, struct vds_ticket *t);
void q_publish(struct vds_ticket *t);
int q_pop_one(struct vds_consumer *c, struct vds_sqe *out);
int q_cancel_claims(struct vds_qref *r, uint32_t slot);
int q_is_empty(struct vds_consumer *c);

/* registry.c */
uint32_t my_slot(void);
void q_publish_only(struct vds_ticket *t);

#endif
