/*
 * ping: the IPC demo. Finds "pong" by name (starting it if needed) and
 * makes N round trips straight to its queue — the kernel is not involved
 * unless someone sleeps and must be woken. "ping [N]", default 1000.
 */
#include <vdsos.h>
#include "demo.h"

/* The pong server's queue id, starting one if there is none. */
static int find_pong(int *started)
{
	uint64_t id;
	*started = 0;
	if (VDS(name_get)("pong", &id) == 0)
		return (int)id;
	char *argv[] = { "pong", NULL };
	int pid = sys_spawn(argv, 1);
	if (pid < 0)
		return pid;
	*started = pid;
	for (int tries = 0; tries < 1000; tries++) {
		if (VDS(name_get)("pong", &id) == 0)
			return (int)id;
		sys_sleep(1000000);
	}
	return -VDS_ETIMEDOUT;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000;
	int started, pong = find_pong(&started);
	if (pong < 0) {
		printf("ping: no pong: %s\n", vds_strerror(pong));
		return 1;
	}
	int64_t t0 = sys_clock();
	for (long i = 0; i < n; i++) {
		struct vds_sqe req = { .op = OP_PING }, rep;
		req.arg[0] = (uint64_t)i;
		int r = VDS(call)(pong, &req, &rep);
		if (r < 0 || rep.arg[0] != (uint64_t)i + 1) {
			/* An error from messaging, or in the reply (-EDEAD: pong died) */
			int64_t e = r < 0 ? r : (int64_t)rep.arg[0];
			printf("ping: round trip %ld: %s\n", i,
			       e < 0 ? vds_strerror((int)e) : "wrong answer");
			return 1;
		}
	}
	int64_t dt = sys_clock() - t0;
	/* Time only: QEMU counts instructions only under -icount (make bench). */
	printf("ping: %ld round trips to pid %d, %ld ns each\n", n, pong, (long)(dt / n));
	if (started) {
		struct vds_sqe req = { .op = OP_QUIT }, rep;
		VDS(call)(pong, &req, &rep);
		sys_wait(started, NULL);
	}
	return 0;
}
