/*
 * The identity block at the start of every address space's local data. The
 * kernel fills it in each process's private copy at spawn (and in its own
 * at boot); the vDSO reads it. Layout shared by kernel/ and vdso/.
 */
#ifndef VDSO_SELF_H
#define VDSO_SELF_H

#include <stdint.h>

#define VDS_SELF_MAGIC 0x666c65735344566bULL /* "kVDSself" */

struct vds_self {
	uint64_t magic;
	int32_t pid;   /* 0: the kernel */
	uint32_t slot; /* process slot; the kernel is 0 */
	uint32_t ncpu;
	uint32_t timebase_hz; /* of the time CSR */
	uint64_t base;        /* where this address space maps the vDSO */
	uint64_t key[2];      /* per-process secret (message authentication) */
};

#endif
