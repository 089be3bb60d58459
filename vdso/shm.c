/*
 * The shared allocator: hands out blocks of shared memory, addressed by
 * relative pointers, to every address space at once. Lock-free.
 *
 * The arena is cut into 64 KiB spans; a span is carved, once, into blocks of
 * one size class (64 B to 64 KiB, powers of two). Each class keeps a free
 * list as a Treiber stack whose head word is (tag << 32 | first unit): the
 * tag grows on every change, so a pop that read a stale head fails its CAS
 * (no ABA). The "next" links live in a separate array, one 32-bit word per
 * 64-byte unit, never inside the blocks: a stale reader never touches a
 * block's contents. Freed blocks go back to their class; spans are never
 * merged or returned (simple, and enough for queues and message buffers).
 *
 * Shared data is writable by every process, so nothing read from it is
 * trusted: units are range-checked, retries are bounded, and a corrupted
 * list makes allocation fail instead of handing out memory outside the arena.
 */
#include "internal.h"
#include "shm.h"

#define LINK_ALLOCATED 0xFFFFFFFFU /* link word of a block that is in use */
#define MAX_RETRIES    (1U << 16)  /* against livelock by a hostile writer */

/* In public shared data (shared.h): the lists, then the arena. */
#define heap  vds_sh.pub.heap
#define arena vds_sh.pub.arena

/* Units are numbered from 1 so that 0 can end a list. */
static vds_rel_t unit_to_rel(uint32_t u)
{
	return (vds_rel_t)((char *)arena - shared_base()) + (vds_rel_t)(u - 1) * SHM_UNIT;
}

static uint32_t rel_to_unit(vds_rel_t r)
{
	vds_rel_t lo = (vds_rel_t)((char *)arena - shared_base());
	if (r < lo || r >= lo + SHM_ARENA_SIZE || (r - lo) % SHM_UNIT)
		return 0;
	return (uint32_t)((r - lo) / SHM_UNIT) + 1;
}

static uint32_t class_of(size_t size)
{
	uint32_t c = 0;
	while ((SHM_UNIT << c) < size)
		c++;
	return c;
}

/* Is u the first unit of a block of class c in a span carved for c? */
static int unit_ok(uint32_t u, uint32_t c)
{
	if (u == 0 || u > SHM_NUNITS)
		return 0;
	uint32_t span = (u - 1) / SHM_SPAN_UNITS;
	uint8_t sc = __atomic_load_n(&heap.span_class[span], __ATOMIC_RELAXED);
	return sc == c + 1 && ((u - 1) % SHM_SPAN_UNITS) % (1U << c) == 0;
}

/* Push the chain first..last (already linked together) onto class c.
 * Bounded like pop(): a head that a hostile writer keeps changing makes it
 * give up (-VDS_EAGAIN) rather than spin, in the kernel above all. */
static int push_chain(uint32_t c, uint32_t first, uint32_t last)
{
	uint64_t old = __atomic_load_n(&heap.head[c], __ATOMIC_RELAXED);
	for (uint32_t tries = 0; tries < MAX_RETRIES; tries++) {
		__atomic_store_n(&heap.link[last], (uint32_t)old, __ATOMIC_RELAXED);
		uint64_t new = (((old >> 32) + 1) << 32) | first;
		/* release: the links (and a new span's class) are visible to a popper
		 * that acquires this head; pairs with the acquire in pop(). */
		if (__atomic_compare_exchange_n(&heap.head[c], &old, new, 1, __ATOMIC_RELEASE,
		                                __ATOMIC_RELAXED))
			return 0;
	}
	return -VDS_EAGAIN;
}

static uint32_t pop(uint32_t c)
{
	/* acquire: pairs with the release in push_chain(). */
	uint64_t old = __atomic_load_n(&heap.head[c], __ATOMIC_ACQUIRE);
	for (uint32_t tries = 0; tries < MAX_RETRIES; tries++) {
		uint32_t u = (uint32_t)old;
		if (u == 0 || !unit_ok(u, c))
			return 0; /* empty, or corrupted: refuse */
		/* May be stale if u was popped meanwhile; then the tag has moved
		 * and the CAS below fails. */
		uint32_t next = __atomic_load_n(&heap.link[u], __ATOMIC_RELAXED);
		uint64_t new = (((old >> 32) + 1) << 32) | next;
		if (__atomic_compare_exchange_n(&heap.head[c], &old, new, 1, __ATOMIC_ACQUIRE,
		                                __ATOMIC_ACQUIRE)) {
			__atomic_store_n(&heap.link[u], LINK_ALLOCATED, __ATOMIC_RELAXED);
			return u;
		}
	}
	return 0;
}

/* Take a fresh span for class c: keep its first block, free the rest. */
static uint32_t carve(uint32_t c)
{
	uint32_t span = __atomic_fetch_add(&heap.next_span, 1, __ATOMIC_RELAXED);
	if (span >= SHM_NSPANS)
		return 0;
	__atomic_store_n(&heap.span_class[span], (uint8_t)(c + 1), __ATOMIC_RELAXED);
	uint32_t step = 1U << c, n = SHM_SPAN_UNITS >> c;
	uint32_t first = 1 + span * SHM_SPAN_UNITS;
	__atomic_store_n(&heap.link[first], LINK_ALLOCATED, __ATOMIC_RELAXED);
	if (n == 1)
		return first;
	for (uint32_t i = 1; i + 1 < n; i++)
		__atomic_store_n(&heap.link[first + i * step], first + (i + 1) * step,
		                 __ATOMIC_RELAXED);
	/* Should the push give up, the rest of this span is lost: only a
	 * hostile writer can cause that, and the first block is still ours. */
	(void)push_chain(c, first + step, first + (n - 1) * step);
	return first;
}

VDS_API vds_rel_t vds_shm_alloc(size_t size)
{
	if (size == 0 || size > VDS_SHM_MAX_BLOCK)
		return VDS_REL_NULL;
	uint32_t c = class_of(size);
	uint32_t u = pop(c);
	if (u == 0)
		u = carve(c);
	if (u == 0)
		return VDS_REL_NULL;
	__atomic_add_fetch(&heap.live_blocks, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&heap.live_bytes, SHM_UNIT << c, __ATOMIC_RELAXED);
	return unit_to_rel(u);
}

/* Class of the block starting at unit u, or -1 if u starts no block. */
static int block_class(uint32_t u)
{
	if (u == 0)
		return -1;
	uint32_t span = (u - 1) / SHM_SPAN_UNITS;
	int c = (int)__atomic_load_n(&heap.span_class[span], __ATOMIC_RELAXED) - 1;
	if (c < 0 || c >= SHM_NCLASS || !unit_ok(u, (uint32_t)c))
		return -1;
	return c;
}

VDS_API int vds_shm_free(vds_rel_t r)
{
	uint32_t u = rel_to_unit(r);
	int c = block_class(u);
	if (c < 0)
		return -VDS_EINVAL;
	/* Exactly one freer wins; a double free or a stray pointer loses here. */
	uint32_t expect = LINK_ALLOCATED;
	if (!__atomic_compare_exchange_n(&heap.link[u], &expect, 0, 0, __ATOMIC_RELAXED,
	                                 __ATOMIC_RELAXED))
		return -VDS_EINVAL;
	if (push_chain((uint32_t)c, u, u) < 0) {
		__atomic_store_n(&heap.link[u], LINK_ALLOCATED, __ATOMIC_RELAXED);
		return -VDS_EAGAIN; /* still allocated: the caller may try again */
	}
	__atomic_sub_fetch(&heap.live_blocks, 1, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&heap.live_bytes, SHM_UNIT << c, __ATOMIC_RELAXED);
	return 0;
}

/* Size of the allocated block r, or 0 if r is not one. */
VDS_API size_t vds_shm_size(vds_rel_t r)
{
	uint32_t u = rel_to_unit(r);
	int c = block_class(u);
	if (c < 0 || __atomic_load_n(&heap.link[u], __ATOMIC_RELAXED) != LINK_ALLOCATED)
		return 0;
	return (size_t)SHM_UNIT << c;
}

VDS_API void vds_shm_stats(struct vds_shm_stats *out)
{
	uint32_t spans = __atomic_load_n(&heap.next_span, __ATOMIC_RELAXED);
	out->arena_size = SHM_ARENA_SIZE;
	out->spans_used = spans < SHM_NSPANS ? spans : SHM_NSPANS;
	out->spans_total = SHM_NSPANS;
	out->blocks_live = __atomic_load_n(&heap.live_blocks, __ATOMIC_RELAXED);
	out->bytes_live = __atomic_load_n(&heap.live_bytes, __ATOMIC_RELAXED);
}

/* ---- relative pointers ---- */

/* The address of [r, r+size) in this address space, or NULL if any of it
 * lies outside the shared data (or r is null). */
VDS_API void *vds_rel_to_ptr(vds_rel_t r, size_t size)
{
	size_t n = shared_size();
	if (r < VDS_REL_MIN || r > n || size > n - r)
		return NULL;
	return shared_base() + r;
}

/* The relative pointer of p, or VDS_REL_NULL if p is not in shared data. */
VDS_API vds_rel_t vds_ptr_to_rel(const void *p)
{
	const char *c = p;
	if (c < shared_base() + VDS_REL_MIN || c >= shared_base() + shared_size())
		return VDS_REL_NULL;
	return (vds_rel_t)(c - shared_base());
}

/* ---- checking (host tests only, while nothing else runs) ---- */
#ifdef VDS_TESTING
int shm_check(uint64_t *free_blocks)
{
	static uint8_t seen[SHM_NUNITS + 1];
	int bad = 0;
	uint64_t nfree = 0;
	for (uint32_t u = 0; u <= SHM_NUNITS; u++)
		seen[u] = 0;
	for (uint32_t c = 0; c < SHM_NCLASS; c++) {
		uint32_t u = (uint32_t)heap.head[c];
		for (uint32_t steps = 0; u != 0; steps++) {
			if (steps > SHM_NUNITS || !unit_ok(u, c) || seen[u]) {
				bad++; /* a cycle, a stray unit, or a block on two lists */
				break;
			}
			seen[u] = 1;
			nfree++;
			u = heap.link[u];
		}
	}
	/* Every block of every carved span is free (seen) or allocated, not both. */
	uint32_t spans = heap.next_span < SHM_NSPANS ? heap.next_span : SHM_NSPANS;
	for (uint32_t s = 0; s < spans; s++) {
		int c = heap.span_class[s] - 1;
		if (c < 0) {
			bad++;
			continue;
		}
		for (uint32_t u = 1 + s * SHM_SPAN_UNITS; u < 1 + (s + 1) * SHM_SPAN_UNITS;
		     u += 1U << c)
			bad += seen[u] == (heap.link[u] == LINK_ALLOCATED);
	}
	if (free_blocks)
		*free_blocks = nfree;
	return bad;
}
#endif
