/*
 * The identity block at the start of every address space's local data. The
 * kernel fills it in each process's private copy at spawn (and in its own
 * at boot); the vDSO reads it. Layout shared by kernel/ and vdso/.
 *
 * Nothing here is a credential: a process can rewrite its own copy, and
 * only fools itself. Who sent a message is decided by the page tables
 * (which outbox it came from), never by these words.
 */
#ifndef VDSO_SELF_H
#define VDSO_SELF_H

#include <stdint.h>

#define VDS_SELF_MAGIC 0x666c65735344566bULL /* "kVDSself" */

struct vds_self {
	uint64_t magic;
	int32_t pid;   /* 0: the kernel */
	uint32_t slot; /* process slot, and so its outbox; the kernel is 0 */
	uint32_t ncpu;
	uint32_t timebase_hz; /* of the time CSR */
	uint64_t base;        /* where this address space maps the vDSO */
};

#endif
