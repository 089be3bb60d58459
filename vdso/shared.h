/*
 * The vDSO's shared data: ONE object, the same physical pages in the kernel
 * and in every process. This header is its memory map. Its parts are
 * grouped by who may write them, because each process's page table says
 * exactly that (kernel/kvdso.c maps them; docs/VDSO.md draws them):
 *
 *   k        kernel-owned: the registry, who owns each outbox, the control
 *            words of the kernel's queues, the name table, the clock, and
 *            the kernel's outboxes. Processes map these pages read-only, so
 *            everything here can be believed.
 *   outbox   one per process slot. Its owner maps it writable, every other
 *            process read-only: the SQEs a process sends, and what it says
 *            about its own queue. Whatever a receiver copies out of outbox
 *            s was written by the process in slot s (or by the kernel).
 *   pub      public: queue cells and tails, the shared allocator, a test
 *            counter. Every process maps these writable, so nothing here is
 *            trusted by anybody (docs/TRUST.md).
 *
 * The kernel includes this header too (for the page boundaries and to
 * write the kernel-owned part); processes only ever reach it through vDSO
 * functions.
 */
#ifndef VDSO_SHARED_H
#define VDSO_SHARED_H

#include <stdint.h>
#include <vdsos/vdso.h>
#include "shm.h"

#define VDS_PAGE       4096
#define VDS_NAME_SLOTS 64

/* ---- kernel-owned ---- */

enum qe_state {
	QE_EMPTY,   /* free for registration */
	QE_PENDING, /* being set up or torn down: senders stay away */
	QE_READY,   /* registered: senders may use it */
};

/* A registry entry: the facts about one queue, as the kernel set them. */
struct vds_qinfo {
	uint32_t state; /* enum qe_state */
	int32_t id;     /* 0: the kernel; otherwise the owner's pid */
	uint32_t gen;   /* registrations of this entry so far */
	uint32_t cap;   /* cells, a power of two */
	uint32_t owner; /* slot of the owner (0: the kernel) */
	uint32_t pad[3];
};

/*
 * What a queue's owner says about its queue. Lives in the owner's outbox
 * header (the kernel's: in kernel-owned data), so only the owner and the
 * kernel can write it: no process can pop another's queue, or make a
 * sleeping owner look awake.
 */
struct vds_qctl {
	uint64_t head;        /* next position to pop: everything before is copied out */
	uint32_t need_wakeup; /* the owner's poller sleeps (or is about to): ring it */
	uint32_t pad;
};

/* One entry of the name table (vdso/names.c): a seqlock-protected record. */
struct vds_name {
	uint32_t state; /* generation << 2 | FREE, BUSY or SET */
	int32_t owner;
	uint64_t value;
	char name[VDS_NAME_MAX];
};

/* The time CSR to nanoseconds: ns = ticks * mult >> 32 (set by the kernel). */
struct vds_clock {
	uint64_t hz;
	uint64_t mult;
};

/* The kernel's outbox toward one process: its replies and messages to it. */
struct vds_kbox {
	struct vds_sqe slot[VDS_KBOX_SLOTS];
};

struct vds_kshared {
	uint8_t guard[64];                 /* relative pointer 0 is null */
	struct vds_qinfo reg[VDS_NQUEUES]; /* the registry */
	int32_t ob_pid[VDS_NSLOTS];        /* owner of each process outbox (0: none) */
	uint64_t deaths;                   /* queues unregistered so far (receivers died) */
	struct vds_clock clock;
	struct vds_qctl kctl[VDS_NQUEUES]; /* control words of kernel-owned queues */
	struct vds_name names[VDS_NAME_SLOTS];
};

/* ---- outboxes ---- */

/* The first 64 bytes of a process's outbox. */
struct vds_obhdr {
	struct vds_qctl ctl; /* of this process's own queue */
	/* The registry's `using` set, kept by each sender for itself: bit i is
	 * set while this process has an operation in flight on registry entry i
	 * (registry.c). Nobody can set it in another's name. */
	uint64_t inside;
	uint64_t seq_base; /* set by the kernel: number messages from here on */
	uint64_t pad[4];
};

struct vds_outbox {
	struct vds_obhdr hdr;
	struct vds_sqe slot[VDS_OUTBOX_SLOTS];
};

/* ---- public ---- */

/* The producers' word of a queue, on a cache line of its own. */
struct vds_qpub {
	uint64_t tail; /* next position to claim: a hint, any sender may move it */
	uint64_t pad[7];
};

struct vds_pubdata {
	struct vds_qpub q[VDS_NQUEUES];
	uint64_t kcells[VDS_QCAP_KERNEL];            /* entry 0: the kernel's queue */
	uint64_t qcells[VDS_NQUEUES][VDS_QCAP_PROC]; /* entry i > 0 */
	uint64_t counter;                            /* vds_shared_counter_add (tests) */
	struct shm_heap heap;                        /* the shared allocator's lists */
	uint8_t arena[SHM_ARENA_SIZE] __attribute__((aligned(VDS_PAGE)));
};

/* ---- the whole ---- */

struct vds_shared_area {
	struct vds_kshared k __attribute__((aligned(VDS_PAGE)));
	struct vds_kbox kbox[VDS_NSLOTS] __attribute__((aligned(VDS_PAGE)));
	struct vds_outbox outbox[VDS_NSLOTS] __attribute__((aligned(VDS_PAGE)));
	struct vds_pubdata pub __attribute__((aligned(VDS_PAGE)));
};

/* Page boundaries the kernel maps with different permissions. */
#define VDS_SH_KOWNED_END __builtin_offsetof(struct vds_shared_area, outbox)
#define VDS_SH_OUTBOX(s)                                      \
	(__builtin_offsetof(struct vds_shared_area, outbox) + \
	 (uint64_t)(s) * sizeof(struct vds_outbox))
#define VDS_SH_PUBLIC __builtin_offsetof(struct vds_shared_area, pub)

_Static_assert(sizeof(struct vds_qinfo) == 32, "registry entry: 32 bytes");
_Static_assert(sizeof(struct vds_obhdr) == 64, "the outbox header is one SQE's room");
_Static_assert(sizeof(struct vds_outbox) == 2 * VDS_PAGE, "an outbox is two pages");
_Static_assert(sizeof(struct vds_kbox) == VDS_PAGE, "a kernel outbox is one page");
_Static_assert(sizeof(struct vds_kshared) <= VDS_PAGE * 4, "kernel-owned data stays small");
_Static_assert(VDS_NSLOTS <= 64 && VDS_NQUEUES <= 64, "bit sets are 64-bit words");
_Static_assert(VDS_NOUTBOX == 2 * VDS_NSLOTS, "outbox numbers: processes, then the kernel's");
_Static_assert(VDS_CALLS_MAX <= VDS_KBOX_SLOTS, "every call in flight has room for its reply");
_Static_assert(VDS_CALLS_MAX < VDS_QCAP_PROC, "a process's queue holds its replies");

#endif
