/*
 * bench: the cost of a system call, of an IPC round trip and of reading the
 * clock, and how many traps each takes (the kernel counts doorbells per
 * process). Each operation runs in a window between marker instructions
 * (include/vdsos/mark.h): under QEMU with bench/plugin.so the plugin counts
 * every hart's instructions in the window exactly. The instret figure
 * printed here is exact only on one hart under -icount shift=0, where it
 * includes everything the kernel did for the calls.
 *
 *   bench          every operation
 *   bench K        only window K (for make profile)
 */
#include <vdsos.h>
#include <vdsos/mark.h>
#include "demo.h"

#define N     10000
#define BATCH 32

enum { W_CLASSIC = 1, W_SQE_ONE, W_SQE_BATCH, W_IPC, W_CLOCK, W_LAST };

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

static uint64_t db_start, t_start;

static void start(void)
{
	db_start = doorbells();
	t_start = instret();
}

static void report(int window, const char *what, long n)
{
	uint64_t d = instret() - t_start, traps = doorbells() - db_start;
	printf("bench: window %d %s: %ld calls, %lu instructions, %lu.%02lu traps\n", window, what,
	       n, (unsigned long)(d / (uint64_t)n), (unsigned long)(traps / (uint64_t)n),
	       (unsigned long)(traps * 100 / (uint64_t)n % 100));
}

static int classic(void)
{
	start();
	VDS_MARK_BEGIN(W_CLASSIC);
	for (int i = 0; i < N; i++)
		VDS(doorbell)(VDS_DB_CLASSIC, -1);
	VDS_MARK_END(W_CLASSIC);
	report(W_CLASSIC, "null syscall, classic ecall trap", N);
	return 0;
}

static int sqe_one(void)
{
	start();
	VDS_MARK_BEGIN(W_SQE_ONE);
	for (long i = 0; i < N; i++)
		if (sys_nop(i) != i + 1)
			return 1;
	VDS_MARK_END(W_SQE_ONE);
	report(W_SQE_ONE, "null syscall, SQE, one at a time", N);
	return 0;
}

static int sqe_batched(void)
{
	start();
	VDS_MARK_BEGIN(W_SQE_BATCH);
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
	VDS_MARK_END(W_SQE_BATCH);
	report(W_SQE_BATCH, "null syscall, SQE, batches of 32", N / BATCH * BATCH);
	return 0;
}

static int ipc(void)
{
	char *argv[] = { "pong", NULL };
	int pid = sys_spawn(argv, 1);
	uint64_t id;
	while (VDS(name_get)("pong", &id) != 0)
		sys_yield();
	start();
	VDS_MARK_BEGIN(W_IPC);
	for (long i = 0; i < N; i++) {
		struct vds_sqe req = { .op = OP_PING }, rep;
		req.arg[0] = (uint64_t)i;
		if (VDS(call)((int)id, &req, &rep) < 0 || rep.arg[0] != (uint64_t)i + 1)
			return 1;
	}
	VDS_MARK_END(W_IPC);
	report(W_IPC, "IPC round trip, user to user", N);
	struct vds_sqe quit = { .op = OP_QUIT }, rep;
	VDS(call)((int)id, &quit, &rep);
	sys_wait(pid, NULL);
	return 0;
}

static int clock_read(void)
{
	uint64_t last = 0;
	start();
	VDS_MARK_BEGIN(W_CLOCK);
	for (int i = 0; i < N; i++) {
		uint64_t t = VDS(clock_ns)();
		if (t < last)
			return 1;
		last = t;
	}
	VDS_MARK_END(W_CLOCK);
	report(W_CLOCK, "reading the clock (vDSO)", N);
	return 0;
}

int main(int argc, char **argv)
{
	struct vds_info info;
	VDS(info)(&info);
	int only = argc > 1 ? atoi(argv[1]) : 0;
	printf("bench: from user space, pid %d, %u hart%s%s\n", info.pid, info.ncpu,
	       info.ncpu > 1 ? "s" : "", info.ncpu > 1 ? " (cpu 0 serves the kernel's queue)" : "");
	int (*const ops[W_LAST])(void) = {
		[W_CLASSIC] = classic, [W_SQE_ONE] = sqe_one,  [W_SQE_BATCH] = sqe_batched,
		[W_IPC] = ipc,         [W_CLOCK] = clock_read,
	};
	for (int k = 1; k < W_LAST; k++) {
		if (only && k != only)
			continue;
		if (ops[k]()) {
			printf("bench: a reply was wrong\n");
			return 1;
		}
	}
	return 0;
}
