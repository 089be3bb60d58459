/*
 * The vDSO's public interface: its types, and the function table a program
 * (or the kernel) fills by looking the functions up by name in the mapped
 * image's .dynsym. Call a vDSO function as VDS(name)(args).
 */
#ifndef VDSOS_VDSO_H
#define VDSOS_VDSO_H

#include <stddef.h>
#include <stdint.h>
#include <vdsos/errno.h>
#include <vdsos/host.h>
#include <vdsos/sqe.h>

/*
 * A relative pointer: an offset from the start of the shared data, which
 * every address space maps at a different base. 0 is null; offsets below
 * VDS_REL_MIN are never valid (the first bytes of shared data are a guard).
 */
typedef uint64_t vds_rel_t;
#define VDS_REL_NULL 0
#define VDS_REL_MIN  64

/* A one-waiter event for coroutines (see vdso/coro.c). */
struct co_event {
	uintptr_t state;
};
#define CO_EVENT_IDLE     0UL
#define CO_EVENT_SIGNALED 1UL
#define CO_EVENT_INIT         \
	{                     \
		CO_EVENT_IDLE \
	}

/* Where this address space sees the vDSO. */
struct vds_info {
	uintptr_t base; /* the code: ELF header at offset 0 */
	uintptr_t local, local_size;
	uintptr_t shared, shared_size;
	int pid;       /* 0 in the kernel */
	uint32_t slot; /* process slot (the kernel is slot 0) */
	uint32_t ncpu;
	uint32_t timebase_hz; /* of the time CSR */
};

struct vds_shm_stats {
	uint64_t arena_size; /* bytes the allocator manages */
	uint64_t spans_used; /* spans carved into blocks so far */
	uint64_t spans_total;
	uint64_t blocks_live; /* allocated and not yet freed */
	uint64_t bytes_live;
};

#define VDS_SHM_MAX_BLOCK (64 * 1024) /* largest single allocation */

/* ---- receive queues (vdso/queue.c, vdso/registry.c; docs/QUEUE.md) ---- */

#define VDS_NQUEUES   64 /* registry entries: the kernel's queue and one per process */
#define VDS_QCAP_MIN  2
#define VDS_QCAP_MAX  4096
#define VDS_KERNEL_ID 0  /* the kernel's queue; a process's queue id is its pid */
#define VDS_NSLOTS    64 /* address spaces: bits in a queue's `using` set (kernel = 0) */

struct vds_qentry;

/* A sender's handle on a receiver's queue, in the sender's own memory. */
struct vds_qref {
	struct vds_qentry *e; /* registry entry (shared data) */
	uint64_t *seq;        /* one sequence word per cell */
	struct vds_sqe *sqe;  /* the cells */
	uint32_t mask;        /* capacity - 1 */
	uint32_t gen;         /* registration this handle belongs to */
	int32_t id;
	int32_t idx; /* registry index */
	vds_rel_t seq_rel, sqe_rel;
};

/* A claimed cell: fill *sqe, then vds_sqe_release() publishes it. */
struct vds_ticket {
	struct vds_sqe *sqe;
	struct vds_qref ref;
	uint64_t pos;
	uint64_t claim; /* the sequence word while claimed */
	int opened;     /* release must also drop the registry reference */
};

/* The consumer's state, in the consumer's local memory (never shared). */
struct vds_consumer {
	struct vds_qref ref;
	uint64_t head; /* next position to pop */
};
#define VDS_NAME_MAX 32 /* name table: bytes per name, NUL included */

struct vds_shm_stats;

/* Messaging counters (vds_msg_stats). */
struct vds_msg_stats {
	uint64_t delivered; /* handed to a waiting coroutine */
	uint64_t stashed;   /* waiting in the stash now */
	uint64_t dropped;   /* nobody waited and the stash was full (replies, one-way) */
	uint64_t refused;   /* requests answered -VDS_EBUSY because the stash was full */
	uint64_t rejected;  /* refused by the host's accept op (kernel: bad authentication) */
};

/* Prototypes, as the vDSO defines them (vdso/ and host tests use these). */
#define VDS_FN(ret, name, params) ret vds_##name params;
#include <vdsos/api.def>
#undef VDS_FN

/* The function table, one pointer per API function. */
struct vds_api {
#define VDS_FN(ret, name, params) ret(*name) params;
#include <vdsos/api.def>
#undef VDS_FN
};

#define VDS_NFUNCS (sizeof(struct vds_api) / sizeof(void (*)(void)))

/* The table of the running address space, filled by vds_link(). */
extern struct vds_api vds;
#define VDS(name) (vds.name)

/* lib/vdso_link.c: fill `api` from the image mapped at base. Returns 0, or
 * -VDS_ENOENT and *missing = the first name that did not resolve. */
int vds_link(uintptr_t base, struct vds_api *api, const char **missing);
/* Address of one exported symbol in the image at base, or 0. */
uintptr_t vds_lookup(uintptr_t base, const char *symbol);
/* The exported name of table entry i ("vds_init", ...). */
extern const char *const vds_api_names[];

#endif
