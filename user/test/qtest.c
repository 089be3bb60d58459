/*
 * Receive-queue checks run from user space (kernel/test/test_queue.c
 * drives them). Exit status 0 means the check passed.
 *   qtest send ID N        send N messages (arg0 = 0..N-1) to queue ID
 *   qtest callwait ID N    call ID N times at once, then expect N -EDEAD replies
 *   qtest recv N           pop N messages from the kernel, arg0 = 0..N-1
 *   qtest enoent ID        sending to ID must fail with -ENOENT
 *   qtest full ID CAP      fill queue ID: exactly CAP sends succeed, then -EAGAIN
 *   qtest claimdie ID      claim a cell in ID, then crash before publishing
 *   qtest holddie ID       hold queue ID open, then crash
 *   qtest hold ID          hold queue ID open forever
 *   qtest spin             never read its own queue
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vdsos/vdso.h>

static int send_one(int id, uint64_t a0, uint16_t flags)
{
	struct vds_ticket t;
	int r;
	while ((r = VDS(get_sqe)(id, &t)) == -VDS_EAGAIN)
		;
	if (r < 0)
		return r;
	t.sqe->op = 1000;
	t.sqe->flags = flags;
	t.sqe->tag = a0 + 1;
	t.sqe->arg[0] = a0;
	return VDS(sqe_release)(&t);
}

static void pop_wait(struct vds_sqe *m)
{
	while (VDS(pop)(m) != 1)
		;
}

static int cmd(int argc, char **argv)
{
	const char *c = argv[1];
	int id = argc > 2 ? atoi(argv[2]) : 0, n = argc > 3 ? atoi(argv[3]) : 0;
	if (strcmp(c, "send") == 0) {
		for (int i = 0; i < n; i++)
			if (send_one(id, (uint64_t)i, VDS_SQE_NOREPLY) != 0)
				return 1;
		return 0;
	}
	if (strcmp(c, "callwait") == 0) {
		int64_t tags[64];
		for (int i = 0; i < n && i < 64; i++) {
			struct vds_sqe req = { .op = 1000 };
			if ((tags[i] = VDS(call_async)(id, &req)) < 0)
				return 1;
		}
		for (int i = 0; i < n && i < 64; i++) {
			struct vds_sqe rep;
			if (VDS(wait_reply)(id, (uint64_t)tags[i], &rep) < 0 ||
			    (int64_t)rep.arg[0] != -VDS_EDEAD || rep.sender != id)
				return 2;
		}
		return 0;
	}
	if (strcmp(c, "recv") == 0) {
		n = id;
		for (int i = 0; i < n; i++) {
			struct vds_sqe m;
			pop_wait(&m);
			if (m.arg[0] != (uint64_t)i || m.sender != 0)
				return 1;
		}
		return 0;
	}
	if (strcmp(c, "enoent") == 0) {
		struct vds_ticket t;
		return VDS(get_sqe)(id, &t) == -VDS_ENOQUEUE ? 0 : 1;
	}
	if (strcmp(c, "full") == 0) {
		struct vds_ticket t;
		for (int i = 0; i < n; i++) {
			if (VDS(get_sqe)(id, &t) != 0)
				return 1;
			VDS(sqe_release)(&t);
		}
		return VDS(get_sqe)(id, &t) == -VDS_EAGAIN ? 0 : 2;
	}
	if (strcmp(c, "claimdie") == 0) {
		struct vds_ticket t;
		if (VDS(get_sqe)(id, &t) != 0)
			return 1;
		*(volatile int *)0 = 0; /* killed while holding an unpublished cell */
	}
	if (strcmp(c, "holddie") == 0 || strcmp(c, "hold") == 0) {
		struct vds_qref r;
		if (VDS(q_open)(id, &r) != 0)
			return 1;
		if (c[4] == 'd')
			*(volatile int *)0 = 0; /* killed while holding the queue */
		for (;;)
			;
	}
	if (strcmp(c, "spin") == 0)
		for (;;)
			;
	return 99;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		printf(
		    "usage: qtest send|callwait|recv|enoent|full|claimdie|holddie|hold|spin ...\n");
		return 99;
	}
	return cmd(argc, argv);
}
