/*
 * The SQE: one 64-byte message, the unit of every system call, reply and
 * user-to-user message in vdsOS. A sender writes it in place in a slot of
 * its own outbox; the receiver's queue carries only a reference to it
 * (docs/QUEUE.md). A reply is an SQE too: same op and tag as its request,
 * VDS_SQE_REPLY set, the result in arg[0].
 */
#ifndef VDSOS_SQE_H
#define VDSOS_SQE_H

#include <stdint.h>

struct vds_sqe {
	uint16_t op;    /* message type: a syscall number, or a program's own */
	uint16_t flags; /* VDS_SQE_* */
	union {
		int32_t to;     /* as sent: the receiver's id, which the receiver checks */
		int32_t sender; /* as received: the owner of the outbox it came from */
	};
	uint64_t tag; /* chosen by the requester; the reply carries it back */
	uint64_t seq; /* the sender's message number: set by the vDSO, checked by the receiver */
	union {
		uint64_t arg[5];  /* arguments, or arg[0] = result in a reply */
		uint8_t data[40]; /* or inline payload */
	};
};

_Static_assert(sizeof(struct vds_sqe) == 64, "an SQE is one cache line");

#define VDS_SQE_REPLY   0x0001 /* this is the answer to a request with the same tag */
#define VDS_SQE_NOREPLY 0x0002 /* the sender will not wait for an answer */
#define VDS_SQE_NOWAIT  0x0004 /* call_async: return -VDS_EAGAIN rather than wait for room */
#define VDS_SQE_RESERVE 0x0008 /* call_async: the runtime's own call slot (heap growth) */

#endif
