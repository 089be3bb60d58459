/*
 * The name table: a small array in kernel-owned shared data mapping names
 * to 64-bit values (a server's queue id, a relative pointer to a shared
 * structure). Any address space can look names up, without locks; entries
 * record their owner, and the kernel purges a process's names when it ends.
 *
 * One writer at a time: the kernel, which serves name registration as a
 * system call (so the owner is the sender the kernel saw). Processes map
 * the table read-only: a process calling vds_name_set() itself faults.
 * Lock-free unique insertion into an unordered array is not solvable with
 * one CAS, and a lock in shared memory could be held by a dead process.
 *
 * An entry's state word is (generation << 2 | FREE/BUSY/SET). The writer
 * marks an entry BUSY while it changes it; readers copy a SET entry and
 * re-read the state word, retrying if it changed, so they never return a
 * half-written entry (a seqlock).
 */
#include <string.h>
#include "internal.h"

#define ST_FREE    0U
#define ST_BUSY    1U
#define ST_SET     2U
#define ST_MASK    3U
#define MAX_TRIES  64

#define NAME_SLOTS VDS_NAME_SLOTS
#define names      vds_sh.k.names /* kernel-owned: processes can only read it */

static int name_len_ok(const char *name)
{
	size_t n = strnlen(name, VDS_NAME_MAX);
	if (n == 0)
		return -VDS_EINVAL;
	return n < VDS_NAME_MAX ? 0 : -VDS_ENAMETOOLONG;
}

/* A consistent copy of entry i if it is SET; returns its state word or 0. */
static uint32_t snapshot(int i, struct vds_name *out)
{
	for (int tries = 0; tries < MAX_TRIES; tries++) {
		/* acquire: pairs with the release that set the entry. */
		uint32_t st = __atomic_load_n(&names[i].state, __ATOMIC_ACQUIRE);
		if ((st & ST_MASK) != ST_SET)
			return 0;
		/* acquire loads: the re-read of the state below cannot move
		 * before them (a seqlock read). */
		out->owner = __atomic_load_n(&names[i].owner, __ATOMIC_ACQUIRE);
		out->value = __atomic_load_n(&names[i].value, __ATOMIC_ACQUIRE);
		for (int k = 0; k < VDS_NAME_MAX; k++)
			out->name[k] = __atomic_load_n(&names[i].name[k], __ATOMIC_ACQUIRE);
		out->name[VDS_NAME_MAX - 1] = '\0';
		if (__atomic_load_n(&names[i].state, __ATOMIC_RELAXED) == st)
			return st;
	}
	return 0;
}

static int find(const char *name, struct vds_name *copy, uint32_t *st)
{
	for (int i = 0; i < NAME_SLOTS; i++) {
		uint32_t s = snapshot(i, copy);
		if (s && strcmp(copy->name, name) == 0) {
			*st = s;
			return i;
		}
	}
	return -1;
}

/* The fields are written with atomic stores because readers copy them
 * without a lock (and retry if the state word changed meanwhile). */
static void write_entry(int i, const char *name, uint64_t value, int owner)
{
	size_t n = strnlen(name, VDS_NAME_MAX);
	for (size_t k = 0; k < VDS_NAME_MAX; k++)
		__atomic_store_n(&names[i].name[k], k < n ? name[k] : '\0', __ATOMIC_RELAXED);
	__atomic_store_n(&names[i].value, value, __ATOMIC_RELAXED);
	__atomic_store_n(&names[i].owner, owner, __ATOMIC_RELAXED);
}

static void release_slot(int i, uint32_t busy)
{
	write_entry(i, "", 0, 0);
	/* release: a later taker sees the cleared entry. Next generation, FREE. */
	__atomic_store_n(&names[i].state, (busy & ~ST_MASK) + 4 + ST_FREE, __ATOMIC_RELEASE);
}

/* Bind name to value for owner (a pid; 0 is the kernel). Single writer. */
VDS_KAPI int vds_name_set(const char *name, uint64_t value, int owner)
{
	struct vds_name e;
	uint32_t st;
	int r = name_len_ok(name);
	if (r < 0)
		return r;
	if (find(name, &e, &st) >= 0)
		return -VDS_EEXIST;
	for (int i = 0; i < NAME_SLOTS; i++) {
		uint32_t s = __atomic_load_n(&names[i].state, __ATOMIC_RELAXED);
		if ((s & ST_MASK) != ST_FREE)
			continue;
		uint32_t busy = (s & ~ST_MASK) | ST_BUSY;
		if (!__atomic_compare_exchange_n(&names[i].state, &s, busy, 0, __ATOMIC_ACQUIRE,
		                                 __ATOMIC_RELAXED))
			continue; /* a misbehaving second writer: skip the slot */
		write_entry(i, name, value, owner);
		/* release: publishes the entry; pairs with the acquire in snapshot(). */
		__atomic_store_n(&names[i].state, (busy & ~ST_MASK) | ST_SET, __ATOMIC_RELEASE);
		return 0;
	}
	return -VDS_ENOSPC;
}

VDS_API int vds_name_get(const char *name, uint64_t *value)
{
	struct vds_name e;
	uint32_t st;
	int r = name_len_ok(name);
	if (r < 0)
		return r;
	if (find(name, &e, &st) < 0)
		return -VDS_ENOENT;
	*value = e.value;
	return 0;
}

/* Remove name if owner owns it (the kernel, owner 0, may remove any). */
VDS_KAPI int vds_name_del(const char *name, int owner)
{
	struct vds_name e;
	uint32_t st;
	int r = name_len_ok(name);
	if (r < 0)
		return r;
	int i = find(name, &e, &st);
	if (i < 0)
		return -VDS_ENOENT;
	if (owner != 0 && e.owner != owner)
		return -VDS_EPERM;
	uint32_t busy = (st & ~ST_MASK) | ST_BUSY;
	if (!__atomic_compare_exchange_n(&names[i].state, &st, busy, 0, __ATOMIC_ACQUIRE,
	                                 __ATOMIC_RELAXED))
		return -VDS_ENOENT; /* changed under us: someone else removed it */
	release_slot(i, busy);
	return 0;
}

/* Remove every name owner holds (the kernel does this when a process ends). */
VDS_KAPI int vds_name_purge(int owner)
{
	struct vds_name e;
	int n = 0;
	for (int i = 0; i < NAME_SLOTS; i++) {
		uint32_t st = snapshot(i, &e);
		if (!st || e.owner != owner)
			continue;
		uint32_t busy = (st & ~ST_MASK) | ST_BUSY;
		if (__atomic_compare_exchange_n(&names[i].state, &st, busy, 0, __ATOMIC_ACQUIRE,
		                                __ATOMIC_RELAXED)) {
			release_slot(i, busy);
			n++;
		}
	}
	return n;
}
