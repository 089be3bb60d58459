/*
 * bench: the cost of a system call and of an IPC round trip, and how many
 * traps each takes (the kernel counts doorbells per process).
 *   bench instret   instructions on this hart, with rdinstret: meaningful
 *                   only under QEMU -icount shift=0, where on one hart they
 *                   include everything the kernel did for the call
 *   bench time      nanoseconds per call instead, for harts running truly in
 *                   parallel (no -icount, where instret reads the host clock)
 */
#include <vdsos.h>
#include "demo.h"

#define N     10000
#define BATCH 32

static uint64_t instret(void)
{
	uint64_t n;
	__asm__ volatile("rdinstret %0" : "=r"(n));
	return n;
}

/* Doorbell traps this process has made so far (the kernel counts them). */
static uint64_t doorbells(void)
{
	static struct vds_psinfo ps[64];
	int n = sys_ps(ps, 64), me = sys_getpid();
	for (int i = 0; i < n; i++)
		if (ps[i].pid == me)
			return ps[i].doorbells;
	return 0;
}

static uint64_t db_start;
static int by_time; /* report nanoseconds, not instructions */

static uint64_t counter(void)
{
	return by_time ? (uint64_t)sys_clock() : instret();
}

static uint64_t start(void)
{
	db_start = doorbells();
	return counter();
}

static void report(const char *what, uint64_t t0, long n)
{
	uint64_t d = counter() - t0, traps = doorbells() - db_start;
	printf("bench: %-36s %6lu %s, %lu.%02lu traps\n", what, (unsigned long)(d / (uint64_t)n),
	       by_time ? "ns" : "instructions", (unsigned long)(traps / (uint64_t)n),
	       (unsigned long)(traps * 100 / (uint64_t)n % 100));
}

static void classic(void)
{
	uint64_t t = start();
	for (int i = 0; i < N; i++)
		VDS(doorbell)(VDS_DB_CLASSIC, -1);
	report("null syscall, classic ecall trap", t, N);
}

static int sqe_one(void)
{
	uint64_t t = start();
	for (long i = 0; i < N; i++)
		if (sys_nop(i) != i + 1)
			return 1;
	report("null syscall, SQE, one at a time", t, N);
	return 0;
}

static int sqe_batched(void)
{
	uint64_t t = start();
	for (int b = 0; b < N / BATCH; b++) {
		int64_t tags[BATCH];
		for (int i = 0; i < BATCH; i++) {
			struct vds_sqe req = { .op = VDS_SYS_nop };
			req.arg[0] = (uint64_t)i;
			tags[i] = VDS(call_async)(VDS_KERNEL_ID, &req);
			if (tags[i] < 0)
				return 1;
		}
		for (int i = 0; i < BATCH; i++) {
			struct vds_sqe rep;
			VDS(wait_reply)(VDS_KERNEL_ID, (uint64_t)tags[i], &rep);
			if (rep.arg[0] != (uint64_t)i + 1)
				return 1;
		}
	}
	report("null syscall, SQE, batches of 32", t, N / BATCH * BATCH);
	return 0;
}

static int ipc(void)
{
	char *argv[] = { "pong", NULL };
	int pid = sys_spawn(argv, 1);
	uint64_t id;
	while (VDS(name_get)("pong", &id) != 0)
		sys_yield();
	uint64_t t = start();
	for (long i = 0; i < N; i++) {
		struct vds_sqe req = { .op = OP_PING }, rep;
		req.arg[0] = (uint64_t)i;
		if (VDS(call)((int)id, &req, &rep) < 0 || rep.arg[0] != (uint64_t)i + 1)
			return 1;
	}
	report("IPC round trip, user to user", t, N);
	struct vds_sqe quit = { .op = OP_QUIT }, rep;
	VDS(call)((int)id, &quit, &rep);
	sys_wait(pid, NULL);
	return 0;
}

int main(int argc, char **argv)
{
	struct vds_info info;
	VDS(info)(&info);
	by_time = argc > 1 && strcmp(argv[1], "time") == 0;
	printf("bench: from user space, pid %d, %u hart%s%s\n", info.pid, info.ncpu,
	       info.ncpu > 1 ? "s" : "", info.ncpu > 1 ? " (cpu 0 serves the kernel's queue)" : "");
	classic();
	if (sqe_one() || sqe_batched() || ipc()) {
		printf("bench: a reply was wrong\n");
		return 1;
	}
	return 0;
}
