/*
 * vDSO checks run from user space (kernel/test/test_vdso.c drives them):
 *   vdsotest self                  identity, base, fresh local data
 *   vdsotest shared N EXPECT       add N to the shared counter, expect EXPECT
 *   vdsotest build NAME COUNT      build a relptr list in shared memory, publish
 *                                  it as NAME, wait until someone marks it done
 *   vdsotest walk NAME COUNT       walk and check the list, free its nodes
 * Exit status 0 means every check passed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vdsos/sys.h>

extern uintptr_t __vds_base; /* what the kernel passed in a2 */

struct list_head {
	uint64_t count;
	uint64_t done; /* set by the walker: the builder may free the head */
	vds_rel_t first;
};

struct node {
	vds_rel_t next;
	uint64_t value;
};

static int fail(const char *what)
{
	printf("vdsotest: %s\n", what);
	return 1;
}

static int self(void)
{
	struct vds_info info;
	VDS(info)(&info);
	if (info.base != __vds_base || info.base == 0 || info.base % 4096)
		return fail("base differs from the one the kernel passed");
	if (info.local <= info.base || info.shared <= info.local)
		return fail("parts not in order code < local < shared");
	if (VDS(getpid)() <= 0 || VDS(getpid)() != info.pid)
		return fail("no pid in local data");
	if (VDS(local_counter_add)(5) != 5 || VDS(local_counter_add)(1) != 6)
		return fail("local data not private and fresh");
	if (VDS(nop)(41) != 42)
		return fail("vds_nop");
	printf("vdsotest: pid %d sees the vDSO at 0x%lx\n", info.pid, (unsigned long)info.base);
	return 0;
}

static int shared(uint64_t n, uint64_t expect)
{
	uint64_t v = VDS(shared_counter_add)(n);
	if (v != expect) {
		printf("vdsotest: shared counter %lu, want %lu\n", (unsigned long)v,
		       (unsigned long)expect);
		return 1;
	}
	return 0;
}

static int build(const char *name, int count)
{
	vds_rel_t hr = VDS(shm_alloc)(sizeof(struct list_head));
	struct list_head *h = VDS(rel_to_ptr)(hr, sizeof(*h));
	if (h == NULL)
		return fail("no memory for the head");
	h->count = (uint64_t)count;
	h->first = VDS_REL_NULL;
	for (int i = count - 1; i >= 0; i--) { /* prepend: values come out 0..count-1 */
		vds_rel_t r = VDS(shm_alloc)(sizeof(struct node));
		struct node *n = VDS(rel_to_ptr)(r, sizeof(*n));
		if (n == NULL)
			return fail("no memory for a node");
		n->value = (uint64_t)i * 3;
		n->next = h->first;
		h->first = r;
	}
	if (sys_name_set(name, hr) < 0)
		return fail("name_set");
	/* Wait for the walker: acquire pairs with its release store. */
	while (__atomic_load_n(&h->done, __ATOMIC_ACQUIRE) == 0)
		;
	sys_name_del(name);
	return VDS(shm_free)(hr) == 0 ? 0 : fail("freeing the head");
}

static int walk(const char *name, int count)
{
	uint64_t hr;
	if (VDS(name_get)(name, &hr) < 0)
		return fail("name not found");
	struct list_head *h = VDS(rel_to_ptr)(hr, sizeof(*h));
	if (h == NULL || h->count != (uint64_t)count)
		return fail("bad head");
	int i = 0;
	for (vds_rel_t r = h->first; r != VDS_REL_NULL; i++) {
		struct node *n = VDS(rel_to_ptr)(r, sizeof(*n));
		if (n == NULL || i >= count || n->value != (uint64_t)i * 3)
			return fail("bad node");
		vds_rel_t next = n->next;
		if (VDS(shm_free)(r) != 0)
			return fail("freeing a node allocated by another process");
		r = next;
	}
	if (i != count)
		return fail("short list");
	h->first = VDS_REL_NULL;
	__atomic_store_n(&h->done, 1, __ATOMIC_RELEASE);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "self") == 0)
		return self();
	if (argc >= 4 && strcmp(argv[1], "shared") == 0)
		return shared(strtoul(argv[2], NULL, 0), strtoul(argv[3], NULL, 0));
	if (argc >= 4 && strcmp(argv[1], "build") == 0)
		return build(argv[2], atoi(argv[3]));
	if (argc >= 4 && strcmp(argv[1], "walk") == 0)
		return walk(argv[2], atoi(argv[3]));
	return fail("usage: vdsotest self|shared N EXPECT|build NAME N|walk NAME N");
}
