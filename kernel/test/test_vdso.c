/* The vDSO: the kernel's mapping, resolution by name, and what processes share. */
#include <stdio.h>
#include <string.h>
#include "tests.h"
#include "../memlayout.h"

static uint64_t pte_flags(pagetable_t pt, uint64_t va)
{
	pte_t *pte = walk(pt, va, 0);
	return (pte && (*pte & PTE_V)) ? PTE_FLAGS(*pte) : 0;
}

/* The kernel sees the image at KVDSO_BASE: code R-X, data RW, nothing U. */
int test_vdso_kernel_map(void)
{
	struct vds_info in;
	VDS(info)(&in);
	KT_EQ(in.base, KVDSO_BASE);
	KT_EQ(in.pid, 0);
	KT_EQ(in.slot, 0);
	KT_EQ(in.ncpu, ncpu);
	KT_ASSERT(in.base < in.local && in.local < in.shared);
	uint64_t code = pte_flags(kernel_pagetable, in.base);
	uint64_t local = pte_flags(kernel_pagetable, in.local);
	uint64_t shared = pte_flags(kernel_pagetable, in.shared);
	KT_EQ(code & (PTE_R | PTE_W | PTE_X | PTE_U), PTE_R | PTE_X);
	KT_EQ(local & (PTE_R | PTE_W | PTE_X | PTE_U), PTE_R | PTE_W);
	KT_EQ(shared & (PTE_R | PTE_W | PTE_X | PTE_U), PTE_R | PTE_W);
	/* The code pages are the embedded image itself, not a copy. */
	pte_t *pte = walk(kernel_pagetable, in.base, 0);
	KT_EQ(memcmp((void *)PTE2PA(*pte), "\177ELF", 4), 0);
	return 0;
}

/* Every declared name resolves; a missing one is reported by name. */
int test_vdso_resolve(void)
{
	for (size_t i = 0; i < VDS_NFUNCS; i++)
		if (vds_lookup(KVDSO_BASE, vds_api_names[i]) == 0)
			KT_FAIL("%s does not resolve", vds_api_names[i]);
	KT_EQ(vds_lookup(KVDSO_BASE, "vds_no_such_function"), 0);
	KT_EQ(vds_lookup(KVDSO_BASE, "memcpy"), 0); /* linked in, but not exported */

	/* A copy of the code pages with one name spelled wrong. */
	struct vds_info in;
	VDS(info)(&in);
	size_t n = in.local - in.base;
	char *copy = kmalloc(n);
	KT_ASSERT(copy != NULL);
	memcpy(copy, (void *)in.base, n);
	char *hit = NULL;
	for (char *p = copy; p + 8 <= copy + n; p++)
		if (memcmp(p, "vds_nop", 8) == 0)
			hit = p;
	KT_ASSERT(hit != NULL);
	hit[5] = 'X';
	struct vds_api api;
	const char *missing = NULL;
	KT_EQ(vds_link((uintptr_t)copy, &api, &missing), -VDS_ENOENT);
	KT_ASSERT(missing != NULL && strcmp(missing, "vds_nop") == 0);
	kfree_obj(copy);
	return 0;
}

/* Two processes get different bases (and not the kernel's); both call the
 * vDSO correctly there and find fresh local data of their own. */
int test_vdso_bases(void)
{
	char *argv[] = { "vdsotest", "self", NULL };
	int a = proc_spawn(kernel_proc, 2, argv), b = proc_spawn(kernel_proc, 2, argv);
	KT_ASSERT(a > 0 && b > 0);
	uint64_t ba = proc_by_pid(a)->vdso_base, bb = proc_by_pid(b)->vdso_base;
	struct exitinfo ei;
	KT_EQ(proc_wait(kernel_proc, a, &ei), a);
	KT_EQ(ei.code, 0);
	KT_EQ(proc_wait(kernel_proc, b, &ei), b);
	KT_EQ(ei.code, 0);
	KT_ASSERT(ba != bb && ba != KVDSO_BASE && bb != KVDSO_BASE);
	KT_ASSERT(ba % PGSIZE == 0 && bb % PGSIZE == 0);
	/* The kernel's local counter is its own: 0 + 1, whatever processes did. */
	uint64_t mine = VDS(local_counter_add)(0);
	KT_EQ(VDS(local_counter_add)(1), mine + 1);
	return 0;
}

/* One counter in shared data, incremented by the kernel and two processes. */
int test_vdso_shared_counter(void)
{
	uint64_t c0 = VDS(shared_counter_add)(1);
	char n10[24], n110[24];
	snprintf(n10, sizeof(n10), "%lu", c0 + 10);
	snprintf(n110, sizeof(n110), "%lu", c0 + 110);
	char *p1[] = { "vdsotest", "shared", "10", n10, NULL };
	char *p2[] = { "vdsotest", "shared", "100", n110, NULL };
	struct exitinfo ei;
	KT_ASSERT(kt_run(4, p1, &ei) > 0);
	KT_EQ(ei.code, 0);
	KT_ASSERT(kt_run(4, p2, &ei) > 0);
	KT_EQ(ei.code, 0);
	KT_EQ(VDS(shared_counter_add)(0), c0 + 110);
	return 0;
}

/* A list built with relptrs by one process is walked by the kernel and by a
 * second process (each at its own base), which frees the first's blocks. */
int test_vdso_relptr_list(void)
{
	struct vds_shm_stats st0, st1;
	VDS(shm_stats)(&st0);
	char *build[] = { "vdsotest", "build", "test.list", "50", NULL };
	char *walk[] = { "vdsotest", "walk", "test.list", "50", NULL };
	int builder = proc_spawn(kernel_proc, 4, build);
	KT_ASSERT(builder > 0);
	uint64_t head = 0;
	for (int tries = 0; tries < 500 && VDS(name_get)("test.list", &head) < 0; tries++)
		ksleep_ns(2 * 1000 * 1000);
	KT_ASSERT(head != 0);
	/* The kernel walks it at its own base. */
	struct vds_info in;
	VDS(info)(&in);
	uint64_t *h = VDS(rel_to_ptr)(head, 24);
	KT_ASSERT(h != NULL && h[0] == 50);
	int n = 0;
	for (vds_rel_t r = h[2]; r != VDS_REL_NULL && n < 100; n++) {
		uint64_t *node = VDS(rel_to_ptr)(r, 16);
		KT_ASSERT(node != NULL);
		KT_EQ(node[1], (uint64_t)n * 3);
		r = node[0];
	}
	KT_EQ(n, 50);
	struct exitinfo ei;
	KT_ASSERT(kt_run(4, walk, &ei) > 0);
	KT_EQ(ei.code, 0);
	KT_EQ(proc_wait(kernel_proc, builder, &ei), builder);
	KT_EQ(ei.code, 0);
	VDS(shm_stats)(&st1);
	KT_EQ(st1.blocks_live, st0.blocks_live);
	return 0;
}

/* The shared allocator from the kernel: sizes, frees, misuse. */
int test_shm_kernel(void)
{
	struct vds_shm_stats st0, st1;
	VDS(shm_stats)(&st0);
	vds_rel_t r[12];
	for (int c = 0; c < 11; c++) {
		size_t size = (size_t)64 << c;
		r[c] = VDS(shm_alloc)(size);
		KT_ASSERT(r[c] != VDS_REL_NULL);
		KT_EQ(VDS(shm_size)(r[c]), size);
		char *p = VDS(rel_to_ptr)(r[c], size);
		KT_ASSERT(p != NULL);
		memset(p, c, size);
	}
	KT_EQ(VDS(shm_alloc)(VDS_SHM_MAX_BLOCK + 1), VDS_REL_NULL);
	KT_EQ(VDS(shm_alloc)(0), VDS_REL_NULL);
	KT_EQ(VDS(shm_free)(r[3] + 64), -VDS_EINVAL); /* inside a block */
	KT_EQ(VDS(shm_free)(12345), -VDS_EINVAL);
	for (int c = 0; c < 11; c++)
		KT_EQ(VDS(shm_free)(r[c]), 0);
	KT_EQ(VDS(shm_free)(r[0]), -VDS_EINVAL); /* double free */
	VDS(shm_stats)(&st1);
	KT_EQ(st1.blocks_live, st0.blocks_live);
	KT_EQ(st1.bytes_live, st0.bytes_live);
	/* Relative pointers: null, below the guard and past the end refuse. */
	struct vds_info in;
	VDS(info)(&in);
	KT_ASSERT(VDS(rel_to_ptr)(VDS_REL_NULL, 1) == NULL);
	KT_ASSERT(VDS(rel_to_ptr)(8, 1) == NULL);
	KT_ASSERT(VDS(rel_to_ptr)(in.shared_size - 8, 16) == NULL);
	KT_ASSERT(VDS(rel_to_ptr)(in.shared_size - 16, 16) != NULL);
	KT_EQ(VDS(ptr_to_rel)(&in), VDS_REL_NULL); /* a kernel stack address */
	KT_EQ(VDS(ptr_to_rel)((char *)in.shared + 4096), 4096);
	return 0;
}

/* The name table: set, get, duplicates, owners, purge. */
int test_names(void)
{
	uint64_t v;
	KT_EQ(KVDS(name_set)("svc.a", 11, 7), 0);
	KT_EQ(KVDS(name_set)("svc.a", 12, 8), -VDS_EEXIST);
	KT_EQ(KVDS(name_set)("svc.b", 13, 7), 0);
	KT_EQ(VDS(name_get)("svc.a", &v), 0);
	KT_EQ(v, 11);
	KT_EQ(VDS(name_get)("svc.c", &v), -VDS_ENOENT);
	KT_EQ(KVDS(name_set)("", 1, 7), -VDS_EINVAL);
	KT_EQ(KVDS(name_set)("a-name-that-is-far-too-long-for-the-table", 1, 7), -VDS_ENAMETOOLONG);
	KT_EQ(KVDS(name_del)("svc.a", 8), -VDS_EPERM);
	KT_EQ(KVDS(name_purge)(7), 2);
	KT_EQ(VDS(name_get)("svc.b", &v), -VDS_ENOENT);
	KT_EQ(KVDS(name_set)("svc.a", 14, 8), 0);
	KT_EQ(KVDS(name_del)("svc.a", 0), 0); /* the kernel may remove any */
	return 0;
}

/* The vDSO clock: monotonic across harts, within a tick of the kernel's
 * (4 processes at once, so that they run on every hart there is). */
int test_vdso_clock(void)
{
	int pids[4];
	for (int i = 0; i < 4; i++) {
		char *argv[] = { "clocktest", "300", NULL };
		KT_ASSERT((pids[i] = proc_spawn(kernel_proc, 2, argv)) > 0);
	}
	for (int i = 0; i < 4; i++) {
		struct exitinfo ei;
		KT_EQ(proc_wait(kernel_proc, pids[i], &ei), pids[i]);
		KT_EQ(ei.code, 0);
	}
	uint64_t a = VDS(clock_ns)(), k = now_ns(), b = VDS(clock_ns)();
	KT_ASSERT(a <= b && k + 1000000 >= a && k <= b + 1000000);
	return 0;
}
