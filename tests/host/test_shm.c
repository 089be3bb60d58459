/*
 * Host tests of the shared allocator (vdso/shm.c compiled natively): the
 * single-threaded rules, then threads allocating and freeing at once. Built
 * twice, under ThreadSanitizer and under AddressSanitizer+UBSan. Every block
 * is filled with its owner's pattern and checked before it is freed, so a
 * block handed out twice shows up; at the end every block of every carved
 * span must be on a free list exactly once (nothing lost).
 */
#include <pthread.h>
#include <string.h>
#include "htest.h"
#include "internal.h"
#include "shm.h"

#define NTHREADS 8
#define LIVE     16

static long iters = 40000;

static void test_basics(void)
{
	struct vds_shm_stats st;
	vds_rel_t r[SHM_NCLASS];
	for (int c = 0; c < SHM_NCLASS; c++) {
		r[c] = vds_shm_alloc((size_t)(SHM_UNIT << c) - 3);
		CHECK(r[c] != VDS_REL_NULL);
		CHECK_EQ(vds_shm_size(r[c]), SHM_UNIT << c);
		CHECK(vds_rel_to_ptr(r[c], SHM_UNIT << c) != NULL);
		CHECK_EQ(r[c] % SHM_UNIT, 0);
	}
	CHECK_EQ(vds_shm_alloc(0), VDS_REL_NULL);
	CHECK_EQ(vds_shm_alloc(VDS_SHM_MAX_BLOCK + 1), VDS_REL_NULL);
	CHECK_EQ(vds_shm_free(r[2] + SHM_UNIT), -VDS_EINVAL);
	CHECK_EQ(vds_shm_free(1), -VDS_EINVAL);
	CHECK_EQ(vds_shm_free(VDS_REL_NULL), -VDS_EINVAL);
	for (int c = 0; c < SHM_NCLASS; c++)
		CHECK_EQ(vds_shm_free(r[c]), 0);
	CHECK_EQ(vds_shm_free(r[0]), -VDS_EINVAL); /* double free */
	CHECK_EQ(vds_shm_size(r[0]), 0);
	vds_shm_stats(&st);
	CHECK_EQ(st.blocks_live, 0);
	CHECK_EQ(shm_check(NULL), 0);
	/* A freed block comes back before a new one is carved (LIFO). */
	vds_rel_t again = vds_shm_alloc(SHM_UNIT);
	CHECK_EQ(again, r[0]);
	vds_shm_free(again);
	ht_report("shm: size classes, frees, misuse refused");
}

struct worker {
	int id;
	long allocs, failures, bad;
};

static uint8_t pattern(int id, long seq)
{
	return (uint8_t)(id * 31 + seq * 7 + 1);
}

static void *worker(void *arg)
{
	struct worker *w = arg;
	struct {
		vds_rel_t r;
		size_t size;
		uint8_t pat;
	} live[LIVE] = { 0 };
	unsigned seed = (unsigned)w->id * 2654435761U;
	for (long i = 0; i < iters; i++) {
		int k = (int)(rand_r(&seed) % LIVE);
		if (live[k].r == VDS_REL_NULL) {
			size_t size = 1 + rand_r(&seed) % 2048;
			vds_rel_t r = vds_shm_alloc(size);
			if (r == VDS_REL_NULL) {
				w->failures++;
				continue;
			}
			uint8_t *p = vds_rel_to_ptr(r, size);
			live[k].r = r;
			live[k].size = size;
			live[k].pat = pattern(w->id, i);
			memset(p, live[k].pat, size);
			w->allocs++;
		} else {
			uint8_t *p = vds_rel_to_ptr(live[k].r, live[k].size);
			for (size_t j = 0; j < live[k].size; j++)
				if (p[j] != live[k].pat) {
					w->bad++; /* someone else wrote our block */
					break;
				}
			if (vds_shm_free(live[k].r) != 0)
				w->bad++;
			live[k].r = VDS_REL_NULL;
		}
	}
	for (int k = 0; k < LIVE; k++)
		if (live[k].r != VDS_REL_NULL && vds_shm_free(live[k].r) != 0)
			w->bad++;
	return NULL;
}

static void test_threads(void)
{
	pthread_t t[NTHREADS];
	struct worker w[NTHREADS];
	for (int i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){ .id = i };
		pthread_create(&t[i], NULL, worker, &w[i]);
	}
	long allocs = 0, bad = 0, failures = 0;
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], NULL);
		allocs += w[i].allocs;
		bad += w[i].bad;
		failures += w[i].failures;
	}
	struct vds_shm_stats st;
	vds_shm_stats(&st);
	uint64_t nfree;
	printf("    # %d threads: %ld allocations, %ld refused (arena full), %lu spans carved\n",
	       NTHREADS, allocs, failures, (unsigned long)st.spans_used);
	CHECK_EQ(bad, 0);
	CHECK(allocs > iters);
	CHECK_EQ(st.blocks_live, 0);
	CHECK_EQ(st.bytes_live, 0);
	CHECK_EQ(shm_check(&nfree), 0);
	CHECK(nfree > 0);
	ht_report("shm: 8 threads, no block handed out twice, nothing lost");
}

/* Fill the arena with 64 KiB blocks: the count is what is left; free all. */
static void test_exhaustion(void)
{
	struct vds_shm_stats st;
	vds_shm_stats(&st);
	uint64_t left = st.spans_total - st.spans_used, n = 0;
	vds_rel_t *all = calloc(SHM_NSPANS, sizeof(vds_rel_t));
	vds_rel_t r;
	while ((r = vds_shm_alloc(VDS_SHM_MAX_BLOCK)) != VDS_REL_NULL && n < SHM_NSPANS)
		all[n++] = r;
	uint64_t free_64k = 0;
	(void)free_64k;
	CHECK(n >= left);
	CHECK_EQ(vds_shm_alloc(VDS_SHM_MAX_BLOCK), VDS_REL_NULL);
	for (uint64_t i = 0; i < n; i++)
		CHECK_EQ(vds_shm_free(all[i]), 0);
	CHECK_EQ(shm_check(NULL), 0);
	free(all);
	ht_report("shm: arena exhaustion gives null, then everything comes back");
}

int main(int argc, char **argv)
{
	if (argc > 1)
		iters = atol(argv[1]);
	printf("1..3\n");
	test_basics();
	test_threads();
	test_exhaustion();
	return 0;
}
