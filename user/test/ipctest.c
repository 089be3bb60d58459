/*
 * IPC errors, from user space.
 *   ipctest errors     sending to an id never registered, or to a dead child,
 *                      fails at once with -ENOENT
 *   ipctest deadcall P call process P, which dies without answering: the
 *                      call must end with -EDEAD (the kernel bounces it)
 *   ipctest filter     recv with an op or a sender to match, from main:
 *                      requests that do not match wait, in their order, for
 *                      a recv that does; a reply is never taken for a request
 *   ipctest fast N     N calls to a pong of its own: all answered, and nearly
 *                      all go the fast path on both sides (vds_call,
 *                      vds_reply_recv)
 *   ipctest fastfall   the fast paths when something else comes first: a
 *                      request to ourselves before our call's reply, a
 *                      stray reply in pong's queue before our request; each
 *                      call still gets its answer, and our request is
 *                      still received afterwards
 */
#include <vdsos.h>
#include "../bin/demo.h"

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

/* A pong of our own: its pid, and its queue id in *id. */
static int pong_up(uint64_t *id)
{
	char *argv[] = { "pong", NULL };
	int pid = sys_spawn(argv, 1);
	if (pid < 0)
		return pid;
	while (VDS(name_get)("pong", id) != 0 || (int)*id != pid)
		sys_yield();
	return pid;
}

/* Ping pong n times: 0, or the round trip that went wrong + 1. */
static long pings(int pong, long n)
{
	for (long i = 0; i < n; i++) {
		struct vds_sqe req = { .op = OP_PING }, rep;
		req.arg[0] = (uint64_t)i;
		if (VDS(call)(pong, &req, &rep) != 0 || rep.arg[0] != (uint64_t)i + 1)
			return i + 1;
	}
	return 0;
}

/* Stop pong: how many of its answers went the fast path, or -1. */
static int64_t pong_down(int pid, uint64_t id)
{
	struct vds_sqe quit = { .op = OP_QUIT }, rep;
	if (VDS(call)((int)id, &quit, &rep) != 0 || sys_wait(pid, NULL) != pid)
		return -1;
	return (int64_t)rep.arg[0];
}

static int fast(long n)
{
	struct vds_info info;
	VDS(info)(&info);
	uint64_t id;
	int pid = pong_up(&id);
	if (pid < 0)
		return 20;
	struct vds_msg_stats a, b;
	VDS(msg_stats)(&a);
	if (pings((int)id, n) != 0)
		return 21;
	VDS(msg_stats)(&b);
	int64_t answers = pong_down(pid, id);
	uint64_t calls = b.calls - a.calls, fast = b.fast_calls - a.fast_calls;
	printf("ipctest: %ld calls on %u harts: %lu by the fast path; pong answered %ld so\n", n,
	       info.ncpu, fast, (long)answers);
	if (calls != (uint64_t)n || b.replies - a.replies != (uint64_t)n ||
	    b.unmatched != a.unmatched)
		return 22;
	/* The first round trips may find pong's queue not yet in our cache;
	 * after that, every one. */
	return fast + 4 >= (uint64_t)n && answers + 4 >= n ? 0 : 24;
}

static int fastfall(void)
{
	me = sys_getpid();
	uint64_t id;
	int pid = pong_up(&id);
	if (pid < 0 || pings((int)id, 10) != 0)
		return 30;
	/* A request to ourselves first: our call's wait finds it before the
	 * reply, and must keep it for a recv. */
	struct vds_msg_stats a, b;
	VDS(msg_stats)(&a);
	if (to_self(OP_A, 41) || pings((int)id, 1) != 0)
		return 31;
	VDS(msg_stats)(&b);
	if (b.stashed != 1 || !got(me, OP_A, OP_A, 41))
		return 32;
	/* A stray reply in pong's queue before our request: pong's wait finds
	 * it first, drops it, and still answers our call. */
	struct vds_sqe stray = { .op = OP_PING, .flags = VDS_SQE_REPLY, .tag = 999 };
	if (VDS(send)((int)id, &stray) < 0 || pings((int)id, 10) != 0)
		return 33;
	return pong_down(pid, id) >= 0 ? 0 : 34;
}

int main(int argc, char **argv)
{
	struct vds_sqe m = { .op = VDS_OP_USER }, rep;
	if (argc > 1 && strcmp(argv[1], "filter") == 0)
		return filter();
	if (argc > 2 && strcmp(argv[1], "fast") == 0)
		return fast(atol(argv[2]));
	if (argc > 1 && strcmp(argv[1], "fastfall") == 0)
		return fastfall();
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
