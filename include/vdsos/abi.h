/*
 * The binary interface the kernel, the vDSO and programs share, in one
 * place and safe to include from assembler: the doorbell's register
 * convention, how a process can end, and the identity block at the start
 * of every address space's vDSO local data.
 */
#ifndef VDSOS_ABI_H
#define VDSOS_ABI_H

/* The doorbell (vdso/doorbell.S; docs/IPC.md): `ecall` with a7 = the magic,
 * a0 = the operation, a1 = its argument. The kernel honours it only from
 * the one ecall in the vDSO image; any other ecall ends the process with
 * VDS_EXIT_BAD_ECALL. */
#define VDS_DOORBELL_MAGIC 0x444f4f52 /* "DOOR" */
#define VDS_DB_WAKE        1          /* wake the owner of queue `id` */
#define VDS_DB_WAIT        2 /* sleep until a message arrives (after waking `id`, if >= 0) */
#define VDS_DB_YIELD       3 /* go to the back of the run queue (after waking `id`, if >= 0) */
#define VDS_DB_CLASSIC     4 /* the classic trap system call (a null call): benchmark baseline */

/* How a process ended (struct vds_exit's reason). */
#define VDS_EXIT_NORMAL    0 /* exit() or return from main */
#define VDS_EXIT_FAULT     1 /* a trap it could not survive: scause and stval say which */
#define VDS_EXIT_KILLED    2 /* sys_kill() by an ancestor, or the kernel */
#define VDS_EXIT_BAD_ECALL 3 /* an ecall outside the vDSO doorbell */

/* The identity block: the first bytes of each address space's local data.
 * The kernel fills a process's private copy at spawn (and its own at boot);
 * the vDSO reads it. Nothing in it is a credential: a process can rewrite
 * its own copy and fools only itself. Who sent a message is decided by the
 * page tables (which outbox it came from), never by these words. */
#define VDS_SELF_MAGIC 0x666c65735344566bULL /* "kVDSself" */

#ifndef __ASSEMBLER__
#include <stdint.h>

struct vds_self {
	uint64_t magic;
	int32_t pid;   /* 0: the kernel */
	uint32_t slot; /* process slot, and so its outbox; the kernel is 0 */
	uint32_t ncpu;
	uint32_t timebase_hz; /* of the time CSR */
	uint64_t base;        /* where this address space maps the vDSO */
};

_Static_assert(sizeof(struct vds_self) == 32, "the identity block's layout is ABI");
#endif

#endif
