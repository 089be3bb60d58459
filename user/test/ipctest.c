/*
 * IPC errors, from user space.
 *   ipctest errors     sending to an id never registered, or to a dead child,
 *                      fails at once with -ENOENT
 *   ipctest deadcall P call process P, which dies without answering: the
 *                      call must end with -EDEAD (the kernel bounces it)
 *   ipctest filter     recv with an op or a sender to match, from main:
 *                      requests that do not match wait, in their order, for
 *                      a recv that does; a reply is never taken for a request
 */
#include <vdsos.h>

#define OP_A (VDS_OP_USER + 1)
#define OP_B (VDS_OP_USER + 2)

static int me;

/* Send ourselves a request of op with argument v (no reply wanted). No
 * system call here: a call's wait would take our requests out of the
 * queue into the stash, and the queue is what we test first. */
static int to_self(uint16_t op, uint64_t v)
{
	struct vds_sqe m = { .op = op, .flags = VDS_SQE_NOREPLY };
	m.arg[0] = v;
	return VDS(send)(me, &m);
}

/* recv(sender, op) must give a request of op `want_op` with argument v. */
static int got(int sender, int op, uint16_t want_op, uint64_t v)
{
	struct vds_sqe in;
	if (VDS(recv)(sender, op, &in) != 0)
		return 0;
	return in.op == want_op && in.arg[0] == v && in.sender == me && !(in.flags & VDS_SQE_REPLY);
}

static int filter(void)
{
	me = sys_getpid();
	/* By op: B first, though both A came before it; then the A in order.
	 * Straight from the queue. */
	if (to_self(OP_A, 1) || to_self(OP_B, 2) || to_self(OP_A, 3))
		return 10;
	if (!got(-1, OP_B, OP_B, 2) || !got(-1, OP_A, OP_A, 1) || !got(-1, OP_A, OP_A, 3))
		return 11;
	/* The same from the stash: a system call's wait puts them there. */
	if (to_self(OP_A, 7) || to_self(OP_B, 8) || to_self(OP_A, 9) || sys_getpid() != me)
		return 17;
	if (!got(-1, OP_B, OP_B, 8) || !got(-1, OP_A, OP_A, 7) || !got(-1, OP_A, OP_A, 9))
		return 18;
	/* By sender, and anything: the one left waiting comes first. */
	if (to_self(OP_A, 4) || to_self(OP_B, 5))
		return 12;
	if (!got(me, OP_B, OP_B, 5) || !got(-1, -1, OP_A, 4))
		return 13;
	/* A reply nobody waits for is dropped and counted, never received. */
	struct vds_msg_stats before, after;
	VDS(msg_stats)(&before);
	struct vds_sqe fake = { .op = OP_A, .flags = VDS_SQE_REPLY, .tag = 12345 };
	if (VDS(send)(me, &fake) < 0 || to_self(OP_A, 6))
		return 14;
	if (!got(-1, -1, OP_A, 6))
		return 15;
	VDS(msg_stats)(&after);
	if (after.unmatched != before.unmatched + 1 || after.stashed != 0)
		return 16;
	return 0;
}

int main(int argc, char **argv)
{
	struct vds_sqe m = { .op = VDS_OP_USER }, rep;
	if (argc > 1 && strcmp(argv[1], "filter") == 0)
		return filter();
	if (argc > 2 && strcmp(argv[1], "deadcall") == 0) {
		int r = VDS(call)(atoi(argv[2]), &m, &rep);
		return r == 0 && (int64_t)rep.arg[0] == -VDS_EDEAD ? 0 : 1;
	}
	if (VDS(send)(999999, &m) != -VDS_ENOQUEUE || VDS(call)(999999, &m, &rep) != -VDS_ENOQUEUE)
		return 1;
	char *argv2[] = { "exit7", NULL };
	int child = sys_spawn(argv2, 1);
	if (child < 0 || sys_wait(child, NULL) != child)
		return 2;
	if (VDS(send)(child, &m) != -VDS_ENOQUEUE)
		return 3;
	return 0;
}
