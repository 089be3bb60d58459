/*
 * The SQE: one 64-byte message, the unit of every system call, reply and
 * user-to-user message in vdsOS. A reply is an SQE too: same op and tag as
 * its request, VDS_SQE_REPLY set, the result in arg[0].
 */
#ifndef VDSOS_SQE_H
#define VDSOS_SQE_H

#include <stdint.h>

struct vds_sqe {
	uint16_t op;    /* message type: a syscall number, or a program's own */
	uint16_t flags; /* VDS_SQE_* */
	int32_t sender; /* sender's id: its pid, 0 for the kernel */
	uint64_t tag;   /* chosen by the requester; the reply carries it back */
	uint64_t seq;   /* sender's message counter (authentication, DESIGN §6) */
	uint64_t mac;   /* authentication tag over the rest (messages to the kernel) */
	union {
		uint64_t arg[4];  /* arguments, or arg[0] = result in a reply */
		uint8_t data[32]; /* or inline payload */
	};
};

_Static_assert(sizeof(struct vds_sqe) == 64, "an SQE is one cache line");

#define VDS_SQE_REPLY     0x0001 /* this is the answer to a request with the same tag */
#define VDS_SQE_NOREPLY   0x0002 /* the sender will not wait for an answer */
#define VDS_SQE_CANCELLED 0x8000 /* its writer died before publishing: skip it */

#endif
