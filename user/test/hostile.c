/*
 * hostile: a process that misuses shared data on purpose (docs/TRUST.md;
 * the kernel tests sys_scribble and sys_full_queue drive it).
 *   hostile scribble   fill its own queue's cells and tail, and its own
 *                      outbox header (every `inside` bit set), with
 *                      garbage, then exit 0 through the kernel's queue
 *   hostile flood N    send N nop calls past the vDSO's limit (straight
 *                      into the kernel's queue) and never read a reply;
 *                      then spin until killed
 */
#include <stdlib.h>
#include <string.h>
#include <vdsos.h>

static uint64_t junk_state = 0x9e3779b97f4a7c15ULL;

static uint64_t junk(void) /* xorshift64 */
{
	junk_state ^= junk_state << 13;
	junk_state ^= junk_state >> 7;
	junk_state ^= junk_state << 17;
	return junk_state;
}

static int scribble(void)
{
	struct vds_qref r;
	if (VDS(q_open)(sys_getpid(), &r) < 0)
		return 2;
	VDS(q_close)(&r);
	for (uint32_t i = 0; i <= r.mask; i++)
		r.cells[i] = junk();
	*r.tail = junk();
	/* Our outbox header: the control words of our queue, and `inside`. */
	uint64_t *hdr = (uint64_t *)r.ctl;
	for (int i = 0; i < 8; i++)
		hdr[i] = junk();
	hdr[2] = ~0ULL; /* "inside every queue" */
	sys_exit(0);    /* the kernel's queue is intact: this still works */
	return 3;
}

static int flood(long n)
{
	for (long i = 0; i < n; i++) {
		struct vds_ticket t;
		int r;
		while ((r = VDS(get_sqe)(VDS_KERNEL_ID, &t)) == -VDS_EAGAIN)
			VDS(db_yield)(VDS_KERNEL_ID); /* our outbox is full: let the kernel pop */
		if (r < 0)
			return 2;
		t.sqe->op = VDS_SYS_nop;
		t.sqe->tag = (uint64_t)i + 1;
		if (VDS(sqe_release)(&t) < 0)
			return 3;
		VDS(db_wake)(VDS_KERNEL_ID);
	}
	for (;;)
		; /* never read: nothing is popped */
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "scribble") == 0)
		return scribble();
	if (argc == 3 && strcmp(argv[1], "flood") == 0)
		return flood(strtol(argv[2], NULL, 10));
	printf("usage: hostile scribble | hostile flood N\n");
	return 1;
}
