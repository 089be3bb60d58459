/*
 * IPC errors, from user space.
 *   ipctest errors     sending to an id never registered, or to a dead child,
 *                      fails at once with -ENOENT
 *   ipctest deadcall P call process P, which dies without answering: the
 *                      call must end with -EDEAD (the kernel bounces it)
 *   ipctest filter     recv with an op or a sender to match, from main:
 *                      requests that do not match wait, in their order, for
 *                      a recv that does; a reply is never taken for a request
 *   ipctest fast N     N calls to a pong of its own: all answered, and at
 *                      least 90% go the fast path on both sides (vds_call,
 *                      vds_reply_recv)
 *   ipctest fastfall   the fast paths when something else comes first: a
 *                      request to ourselves before our call's reply, a
 *                      stray reply in pong's queue before our request, a
 *                      request a server's filter does not want before one
 *                      it does; each call still gets its answer, and the
 *                      others are still there afterwards
 *   ipctest tworing N  two clients of one pong, N calls each: pong's
 *                      answer to one, with the other's request already
 *                      waiting, must still ring the first (it sleeps): a
 *                      lost ring leaves a client asleep for good (nothing
 *                      else wakes it: the clients only say they are done,
 *                      by name, and end when they are killed)
 *   ipctest slotreuse  a call whose request is read long before its answer
 *                      comes, while its outbox slot carries another message
 *                      (to a process that never reads): the answer must not
 *                      free that slot, or the message in it could be
 *                      written over before it is read
 *   ipctest holder     (for slotreuse) one request, answered 100 ms later
 *   ipctest opserver   (for fastfall) answers OP_A with arg0 + 1 through
 *                      reply_recv(-1, OP_A), until OP_A 999: that one is
 *                      answered with the arg0 of an OP_B it then receives
 *   ipctest pinger N P (for tworing) N calls to pong P, then the name
 *                      "pinged-PID", then sleep
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
	for (int tries = 0; VDS(name_get)("pong", id) != 0 || (int)*id != pid; tries++) {
		if (tries == 10000)
			return -VDS_ETIMEDOUT;
		sys_sleep(1000000);
	}
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

/* Stop pong: how many of its answers went the fast path, or -1; the
 * replies it dropped in *dropped, if not NULL. */
static int64_t pong_down(int pid, uint64_t id, uint64_t *dropped)
{
	struct vds_sqe quit = { .op = OP_QUIT }, rep;
	if (VDS(call)((int)id, &quit, &rep) != 0 || sys_wait(pid, NULL) != pid)
		return -1;
	if (dropped)
		*dropped = rep.arg[1];
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
	int64_t answers = pong_down(pid, id, NULL);
	uint64_t calls = b.calls - a.calls, fast = b.fast_calls - a.fast_calls;
	printf("ipctest: %ld calls on %u harts: %lu by the fast path; pong answered %ld so\n", n,
	       info.ncpu, fast, (long)answers);
	if (calls != (uint64_t)n || b.replies - a.replies != (uint64_t)n ||
	    b.unmatched != a.unmatched)
		return 22;
	/* The first round trip finds pong's queue not yet in our cache; after
	 * that, nearly every one (with other harts, a ring that comes after
	 * its message was seen anyway leaves a wake-up that ends a later sleep
	 * early, with nothing there yet: that call goes the general way). */
	return fast + n / 10 >= (uint64_t)n && answers + n / 10 >= n ? 0 : 24;
}

static int fastfall(void)
{
	me = sys_getpid();
	uint64_t id;
	int pid = pong_up(&id);
	if (pid < 0 || pings((int)id, 10) != 0)
		return 30;
	/* A request to ourselves first: our call's wait finds it before the
	 * reply, goes the general way (not counted fast), and keeps it for a
	 * recv. */
	struct vds_msg_stats a, b;
	VDS(msg_stats)(&a);
	if (to_self(OP_A, 41) || pings((int)id, 1) != 0)
		return 31;
	VDS(msg_stats)(&b);
	if (b.stashed != 1 || !got(me, OP_A, OP_A, 41))
		return 32;
	if (b.fast_calls != a.fast_calls || b.calls != a.calls + 1 || b.replies != a.replies + 1)
		return 35;
	/* A stray reply in pong's queue before our request: pong's wait finds
	 * it first, drops it (counted), and still answers our call. */
	struct vds_sqe stray = { .op = OP_PING, .flags = VDS_SQE_REPLY, .tag = 999 };
	if (VDS(send)((int)id, &stray) < 0 || pings((int)id, 10) != 0)
		return 33;
	uint64_t dropped = 0;
	if (pong_down(pid, id, &dropped) < 0 || dropped != 1)
		return 34;
	/* A server waiting for OP_A finds an OP_B first: kept for later. */
	char *argv[] = { "ipctest", "opserver", NULL };
	int srv = sys_spawn(argv, 2);
	struct vds_sqe req = { .op = OP_A }, rep, other = { .op = OP_B, .flags = VDS_SQE_NOREPLY };
	req.arg[0] = 1;
	if (srv < 0 || VDS(call)(srv, &req, &rep) != 0 || rep.arg[0] != 2)
		return 36;
	other.arg[0] = 77;
	req.arg[0] = 5;
	if (VDS(send)(srv, &other) != 0 || VDS(call)(srv, &req, &rep) != 0 || rep.arg[0] != 6)
		return 37;
	req.arg[0] = 999;
	if (VDS(call)(srv, &req, &rep) != 0 || rep.arg[0] != 77)
		return 38;
	struct vds_exit ex;
	return sys_wait(srv, &ex) == srv && ex.code == 0 ? 0 : 39;
}

static int opserver(void)
{
	struct vds_sqe req, rep;
	if (VDS(recv)(-1, OP_A, &req) != 0)
		return 1;
	while (req.arg[0] != 999) {
		rep = (struct vds_sqe){ 0 };
		rep.arg[0] = req.arg[0] + 1;
		VDS(reply_recv)(&req, &rep, -1, OP_A, &req);
	}
	struct vds_sqe b;
	if (VDS(recv)(-1, OP_B, &b) != 0)
		return 2;
	rep = (struct vds_sqe){ 0 };
	rep.arg[0] = b.arg[0];
	return VDS(reply)(&req, &rep) == 0 ? 0 : 3;
}

/* A client of tworing's: n calls to pong, then says so, and waits to be
 * killed (its death would wake the other client). */
static int pinger(long n, int pong)
{
	if (pings(pong, n) != 0)
		return 60;
	char name[32];
	snprintf(name, sizeof(name), "pinged-%d", sys_getpid());
	if (sys_name_set(name, 1) < 0)
		return 61;
	sys_sleep(120ULL * 1000 * 1000 * 1000);
	return 0;
}

static int tworing(long n)
{
	uint64_t id;
	int pong = pong_up(&id);
	if (pong < 0)
		return 63;
	char cnt[16], pg[16], name[32];
	snprintf(cnt, sizeof(cnt), "%ld", n);
	snprintf(pg, sizeof(pg), "%d", (int)id);
	char *argv[] = { "ipctest", "pinger", cnt, pg, NULL };
	int c[2] = { sys_spawn(argv, 4), sys_spawn(argv, 4) };
	int done = 0;
	for (int tries = 0; c[0] > 0 && c[1] > 0 && done < 2 && tries < 3000; tries++) {
		sys_sleep(10ULL * 1000 * 1000);
		done = 0;
		for (int i = 0; i < 2; i++) {
			snprintf(name, sizeof(name), "pinged-%d", c[i]);
			uint64_t v;
			done += VDS(name_get)(name, &v) == 0;
		}
	}
	for (int i = 0; i < 2; i++)
		if (c[i] > 0 && (sys_kill(c[i]) != 0 || sys_wait(c[i], NULL) != c[i]))
			return 64;
	if (done < 2)
		return 65; /* a client still waits for an answer after 30 s */
	return pong_down(pong, id, NULL) >= 0 ? 0 : 66;
}

static int holder(void)
{
	struct vds_sqe req, rep = { 0 };
	if (VDS(recv)(-1, -1, &req) != 0)
		return 41;
	sys_sleep(100ULL * 1000 * 1000);
	rep.arg[0] = req.arg[0] + 1;
	return VDS(reply)(&req, &rep) == 0 ? 0 : 42;
}

static int slotreuse(void)
{
	char *spinv[] = { "qtest", "spin", NULL };
	char *holdv[] = { "ipctest", "holder", NULL };
	int y = sys_spawn(spinv, 2), x = sys_spawn(holdv, 2);
	if (y < 0 || x < 0)
		return 50;
	/* The call, read at once by the holder, which answers 100 ms later. */
	struct vds_sqe req = { .op = OP_A }, m = { .op = OP_B, .flags = VDS_SQE_NOREPLY }, rep;
	int64_t tag = VDS(call_async)(x, &req);
	if (tag < 0)
		return 51;
	sys_sleep(20ULL * 1000 * 1000);
	/* Meanwhile every slot of our outbox for processes, the call's too
	 * (its request was read), takes a message to the spinner, which never
	 * reads: then there is no room for one more. */
	for (long i = 0; i < VDS_OUTBOX_SLOTS - VDS_OUTBOX_KSLOTS; i++) {
		m.arg[0] = (uint64_t)i;
		if (VDS(send)(y, &m) != 0)
			return 52;
	}
	struct vds_ticket t;
	if (VDS(get_sqe)(y, &t) != -VDS_EAGAIN)
		return 53;
	/* The answer comes: still no room (the call's slot holds a message
	 * nobody read). */
	if (VDS(wait_reply)(x, (uint64_t)tag, &rep) != 0 || rep.arg[0] != 1)
		return 54;
	if (VDS(get_sqe)(y, &t) != -VDS_EAGAIN)
		return 55;
	struct vds_exit ex;
	if (sys_wait(x, &ex) != x || ex.code != 0)
		return 56;
	return sys_kill(y) == 0 && sys_wait(y, &ex) == y ? 0 : 57;
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
	if (argc > 1 && strcmp(argv[1], "slotreuse") == 0)
		return slotreuse();
	if (argc > 1 && strcmp(argv[1], "holder") == 0)
		return holder();
	if (argc > 1 && strcmp(argv[1], "opserver") == 0)
		return opserver();
	if (argc > 2 && strcmp(argv[1], "tworing") == 0)
		return tworing(atol(argv[2]));
	if (argc > 3 && strcmp(argv[1], "pinger") == 0)
		return pinger(atol(argv[2]), atoi(argv[3]));
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
