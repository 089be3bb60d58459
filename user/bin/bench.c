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
 *   bench sink     read standard input to its end (the pipe's reader)
 */
#include <vdsos.h>
#include <vdsos/mark.h>
#include "demo.h"

#define N     10000
#define BATCH 32

enum { W_CLASSIC = 1, W_SQE_ONE, W_SQE_BATCH, W_IPC, W_CLOCK, W_PIPE, W_CATWC, W_LAST };

#define PIPE_BYTES (1 << 20) /* through a pipe, from this process to wc */
#define FILE_BYTES (8 << 20) /* cat of a file of this size, through a pipe, into wc */

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

/* The file server, started if it is not running (bench mode boots no init). */
static int fs_up(void)
{
	uint64_t id;
	if (VDS(name_get)(VDS_FS_NAME, &id) == 0)
		return 0;
	if (vds_spawnv((char *[]){ "fs", NULL }) < 0)
		return 1;
	for (int i = 0; i < 5000 && VDS(name_get)(VDS_FS_NAME, &id) != 0; i++)
		sys_sleep(1000000);
	return VDS(name_get)(VDS_FS_NAME, &id) != 0;
}

/* Bulk data: n bytes moved in the window; per KiB, and MiB/s by the guest
 * clock (under -icount shift=0 one instruction is one nanosecond). */
static void report_bytes(int window, const char *what, uint64_t n, uint64_t ns)
{
	report(window, what, (long)(n >> 10));
	uint64_t rate = ns ? n * 1000000000ULL / ns * 100 >> 20 : 0;
	printf("bench: throughput %s: %lu.%02lu MiB/s by the guest clock\n", what,
	       (unsigned long)(rate / 100), (unsigned long)(rate % 100));
}

static char iobuf[VDS_FS_IO_MAX];

/* "bench sink": read standard input to its end; exit 0 if it was
 * PIPE_BYTES long. */
static int sink(void)
{
	long got = 0;
	for (ssize_t n; (n = read(0, iobuf, sizeof(iobuf))) > 0;)
		got += n;
	return got != PIPE_BYTES;
}

/* 1 MiB written here into a pipe, read by another process (a sink that
 * only reads). */
static int pipe_transfer(void)
{
	if (fs_up())
		return 1;
	int p[2], out = open("/tmp/bench.out", O_WRONLY | O_CREAT | O_TRUNC);
	if (out < 0 || pipe(p) < 0)
		return 1;
	char *argv[] = { "bench", "sink", NULL };
	int pid = vds_spawnfd(argv, (int[]){ p[0], out, 2 }, 3);
	close(p[0]);
	close(out);
	memset(iobuf, 'p', sizeof(iobuf));
	start();
	uint64_t t0 = VDS(clock_ns)();
	VDS_MARK_BEGIN(W_PIPE);
	for (int done = 0; done < PIPE_BYTES; done += (int)sizeof(iobuf))
		if (write(p[1], iobuf, sizeof(iobuf)) != sizeof(iobuf))
			return 1;
	close(p[1]);
	struct vds_exit st;
	if (pid < 0 || sys_wait(pid, &st) != pid || st.code != 0)
		return 1;
	VDS_MARK_END(W_PIPE);
	report_bytes(W_PIPE, "pipe, 1 MiB to a reader, per KiB", PIPE_BYTES, VDS(clock_ns)() - t0);
	return 0;
}

/* cat of an 8 MiB file into a pipe, wc on the other end: two programs
 * started from /bin, 8 MiB read from the server and twice through it. */
static int cat_wc(void)
{
	if (fs_up())
		return 1;
	int fd = open("/tmp/big", O_WRONLY | O_CREAT | O_TRUNC);
	if (fd < 0)
		return 1;
	memset(iobuf, 'w', sizeof(iobuf));
	for (int done = 0; done < FILE_BYTES; done += (int)sizeof(iobuf))
		if (write(fd, iobuf, sizeof(iobuf)) != sizeof(iobuf))
			return 1;
	close(fd);
	int p[2], out = open("/tmp/bench.out", O_WRONLY | O_CREAT | O_TRUNC);
	if (out < 0 || pipe(p) < 0)
		return 1;
	start();
	uint64_t t0 = VDS(clock_ns)();
	VDS_MARK_BEGIN(W_CATWC);
	int cat = vds_spawnfd((char *[]){ "cat", "/tmp/big", NULL }, (int[]){ 0, p[1], 2 }, 3);
	int wc = vds_spawnfd((char *[]){ "wc", NULL }, (int[]){ p[0], out, 2 }, 3);
	close(p[0]);
	close(p[1]);
	struct vds_exit s1, s2;
	if (cat < 0 || wc < 0 || sys_wait(cat, &s1) != cat || sys_wait(wc, &s2) != wc ||
	    s1.code != 0 || s2.code != 0)
		return 1;
	VDS_MARK_END(W_CATWC);
	report_bytes(W_CATWC, "cat 8 MiB file | wc, per KiB", FILE_BYTES, VDS(clock_ns)() - t0);
	close(out);
	unlink("/tmp/big");
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
	if (argc > 1 && strcmp(argv[1], "sink") == 0)
		return sink();
	int only = argc > 1 ? atoi(argv[1]) : 0;
	printf("bench: from user space, pid %d, %u hart%s%s\n", info.pid, info.ncpu,
	       info.ncpu > 1 ? "s" : "", info.ncpu > 1 ? " (cpu 0 serves the kernel's queue)" : "");
	int (*const ops[W_LAST])(void) = {
		[W_CLASSIC] = classic, [W_SQE_ONE] = sqe_one,  [W_SQE_BATCH] = sqe_batched,
		[W_IPC] = ipc,         [W_CLOCK] = clock_read, [W_PIPE] = pipe_transfer,
		[W_CATWC] = cat_wc,
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
