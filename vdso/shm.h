/* The shared allocator's geometry, and its checker for tests. */
#ifndef VDSO_SHM_H
#define VDSO_SHM_H

#include <stdint.h>

#define SHM_ARENA_SIZE (4U << 20)  /* 4 MiB of shared memory to hand out */
#define SHM_UNIT       64U         /* smallest block: one cache line */
#define SHM_SPAN       (64U << 10) /* carved into blocks of one class at a time */
#define SHM_NCLASS     11          /* block sizes 64 B << 0..10: 64 B .. 64 KiB */
#define SHM_NUNITS     (SHM_ARENA_SIZE / SHM_UNIT)
#define SHM_NSPANS     (SHM_ARENA_SIZE / SHM_SPAN)
#define SHM_SPAN_UNITS (SHM_SPAN / SHM_UNIT)

/* The allocator's lists; the arena itself follows them in public shared data
 * (vdso/shared.h). All of it is writable by every process. */
struct shm_heap {
	uint64_t head[SHM_NCLASS];      /* tag << 32 | first free unit (0: empty) */
	uint32_t next_span;             /* spans carved so far (may overshoot) */
	uint8_t span_class[SHM_NSPANS]; /* class + 1 of each carved span, 0 if not carved */
	uint64_t live_blocks, live_bytes;
	uint32_t link[SHM_NUNITS + 1]; /* by unit (1-based): next free unit, or ALLOCATED */
};

/*
 * Host tests only (built with -DVDS_TESTING). Walk every free list while nothing else runs and check that each carved
 * block is either on its class's list exactly once or allocated. Returns the
 * number of inconsistencies (0 when the heap is sound); *free_blocks gets the
 * count of blocks on free lists.
 */
int shm_check(uint64_t *free_blocks);

#endif
