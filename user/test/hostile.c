/*
 * hostile: a process that misuses shared data on purpose (DESIGN §6; the
 * kernel tests sys_scribble and sys_full_queue drive it).
 *   hostile scribble   fill its own queue's registry entry (with every bit
 *                      of `using` set), sequence words and cells with
 *                      garbage, then exit 0 through the kernel's queue
 *   hostile flood N    send N nop calls and never read a reply: its queue
 *                      fills and stays full; then spin until killed
 */
#include <stdlib.h>
#include <string.h>
#include <vdsos.h>

#define ENTRY_WORDS 24 /* struct vds_qentry: three cache lines (vdso/queue.h) */
#define USING_WORD  4  /* ... whose fifth word is the `using` bit set */

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
	uint32_t cap = r.mask + 1;
	for (uint32_t i = 0; i < cap; i++)
		r.seq[i] = junk();
	uint64_t *cells = (uint64_t *)r.sqe;
	for (uint32_t i = 0; i < cap * sizeof(struct vds_sqe) / 8; i++)
		cells[i] = junk();
	volatile uint64_t *entry = (volatile uint64_t *)r.e;
	for (int i = 0; i < ENTRY_WORDS; i++)
		entry[i] = junk();
	entry[USING_WORD] = ~0ULL; /* "everybody is sending to me" */
	sys_exit(0);               /* the kernel's queue is intact: this still works */
	return 3;
}

static int flood(long n)
{
	for (long i = 0; i < n; i++) {
		struct vds_sqe req = { .op = VDS_SYS_nop };
		if (VDS(call_async)(VDS_KERNEL_ID, &req) < 0)
			return 2;
	}
	VDS(db_wake)(VDS_KERNEL_ID); /* call_async left the ring to our (never) waiting */
	for (;;)
		; /* never wait: the poller never runs, nothing is popped */
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
