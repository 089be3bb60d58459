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
struct vds_event {
	uintptr_t state;
};
#define VDS_EVENT_IDLE     0UL
#define VDS_EVENT_SIGNALED 1UL
#define VDS_EVENT_INIT         \
	{                      \
		VDS_EVENT_IDLE \
	}

/* ---- sizes of the message system (docs/QUEUE.md) ---- */

#define VDS_NSLOTS        64   /* process slots; slot 0 stands for the kernel */
#define VDS_NQUEUES       64   /* registry entries: the kernel's queue and one per process */
#define VDS_KERNEL_ID     0    /* the kernel's queue; a process's queue id is its pid */
#define VDS_QCAP_MIN      2    /* cells in a queue: a power of two ... */
#define VDS_QCAP_PROC     256  /* ... at most this for a process's queue ... */
#define VDS_QCAP_KERNEL   4096 /* ... and this for the kernel's (every process's requests) */
#define VDS_OUTBOX_SLOTS  127  /* SQEs in a process's outbox (8 KiB with its header) ... */
#define VDS_OUTBOX_KSLOTS 64   /* ... of which these carry messages to the kernel only */
#define VDS_KBOX_SLOTS    64   /* SQEs in each of the kernel's outboxes (one per process) */
#define VDS_CALLS_MAX     64   /* calls a process may have waiting for replies */
#define VDS_NOUTBOX       128  /* outbox numbers: 0..63 processes, 64 + s the kernel's toward s */

/* Where this address space sees the vDSO. */
struct vds_info {
	uintptr_t base; /* the code: ELF header at offset 0 */
	uintptr_t local, local_size;
	uintptr_t shared, shared_size;
	int pid;       /* 0 in the kernel */
	uint32_t slot; /* process slot, and so our outbox (the kernel is 0) */
	uint32_t ncpu;
	uint32_t timebase_hz; /* of the time CSR */
	uint32_t calls_max;   /* calls in flight at once (VDS_CALLS_MAX) */
};

struct vds_shm_stats {
	uint64_t arena_size; /* bytes the allocator manages */
	uint64_t spans_used; /* spans carved into blocks so far */
	uint64_t spans_total;
	uint64_t blocks_live; /* allocated and not yet freed */
	uint64_t bytes_live;
};

#define VDS_SHM_MAX_BLOCK (64 * 1024) /* largest single allocation */
#define VDS_NAME_MAX      32          /* name table: bytes per name, NUL included */

/* ---- receive queues (vdso/queue.c, vdso/outbox.c; docs/QUEUE.md) ---- */

/* A handle on a queue, in the holder's own memory. Everything in it comes
 * from the kernel-owned registry entry, which processes cannot write. */
struct vds_qref {
	uint64_t *cells;      /* one word per cell (public) */
	uint64_t *tail;       /* next position to claim (public) */
	struct vds_qctl *ctl; /* the owner's head and need_wakeup (owner-writable) */
	uint32_t mask;        /* capacity - 1 */
	uint32_t gen;         /* registration this handle belongs to */
	int32_t id;           /* 0: the kernel; otherwise the owner's pid */
	int32_t idx;          /* registry index */
	uint32_t owner;       /* the owner's slot (0: the kernel) */
	uint32_t reserved;
};

/* A sender's private view of one outbox: which slots hold messages not yet
 * consumed, and where each went. A process has one (its own outbox); the
 * kernel has one per process (its outbox toward that process). */
struct vds_obstate {
	struct vds_sqe *slots;
	uint32_t nslots;
	uint32_t ob;      /* the outbox's number in references */
	uint32_t split;   /* slots [split, nslots) carry messages to the kernel only */
	uint32_t next[2]; /* where the search for a free slot starts (the oldest): others, kernel */
	uint32_t reserved;
	uint64_t seq; /* the last message number handed out */
	struct {
		int32_t idx;   /* the queue whose head was read last (-1: none) */
		uint32_t gen;  /* ... in this registration */
		uint64_t head; /* ... and what it said */
	} seen;
	struct vds_obslot {
		int32_t idx;          /* registry entry it was sent to; -1: free */
		uint32_t gen;         /* ... in this registration */
		uint64_t pos;         /* ... at this position (UINT64_MAX: not yet published) */
		struct vds_qctl *ctl; /* ... whose owner's head says when it was consumed */
	} sent[VDS_OUTBOX_SLOTS];
};

/* A message being written: fill *sqe, then vds_sqe_release() sends it. */
struct vds_ticket {
	struct vds_sqe *sqe;
	struct vds_obstate *ob;
	struct vds_qref q;
	uint64_t pos; /* the claimed cell's position */
	uint64_t seq;
	uint32_t slot; /* in the outbox */
	int held;      /* release must also leave the queue (registry protocol) */
};

/* Messages a receiver dropped, by reason (never delivered, never a crash). */
struct vds_rx_stats {
	uint64_t accepted;
	uint64_t bad_ref;   /* outbox or slot out of range, or an outbox nobody owns */
	uint64_t wrong_to;  /* addressed to another receiver */
	uint64_t bad_seq;   /* the slot does not hold the message the reference names */
	uint64_t replayed;  /* that message number was accepted already (or is too old) */
	uint64_t skipped;   /* cells claimed and never published within the bound */
	uint64_t cancelled; /* cells of writers that died before publishing */
	uint64_t garbage;   /* cell words no honest writer leaves */
};

/* The owner's state for popping its queue, in its own memory. */
struct vds_consumer {
	struct vds_qref q;
	uint64_t head;        /* next position to pop (published in q.ctl->head) */
	uint64_t stuck_since; /* when the cell at head was first seen claimed, or 0 */
	struct vds_rx_stats stats;
	/* What this queue accepted from each outbox: the numbers its owner
	 * used, so that no message is accepted twice (replays). */
	struct vds_from {
		int32_t pid; /* the owner these numbers belong to */
		uint32_t pad;
		uint64_t last; /* the highest number accepted */
		uint64_t seen; /* bit d: number last - d was accepted */
	} from[VDS_NOUTBOX];
};

/* Messaging counters (vds_msg_stats). */
struct vds_msg_stats {
	uint64_t calls;        /* calls sent */
	uint64_t replies;      /* replies matched to a waiting call */
	uint64_t unmatched;    /* replies no call waits for (duplicates, forgeries): dropped */
	uint64_t dead;         /* calls ended with -VDS_EDEAD: the receiver died */
	uint64_t stashed;      /* requests waiting for a recv now */
	uint64_t refused;      /* requests answered -VDS_EBUSY because the stash was full */
	uint64_t full_waits;   /* times a call waited for a free call slot */
	uint64_t fast_calls;   /* calls and syscalls (counted above too) that went the fast path */
	uint64_t fast_answers; /* vds_reply_recv()s that went the fast path */
	struct vds_rx_stats rx;
};

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
