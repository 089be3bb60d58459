/*
 * The graded checks of the labs (docs/labs/). They run in `make test`
 * against the reference tree, and in `make grade` against a student's. Each
 * hands the checking program (user/test/labcheck.c) a token chosen at grade
 * time (token= on the kernel command line, else random), so no output can
 * be written in advance, and checks in the kernel what a process cannot fake.
 */
#include <stdio.h>
#include "../fdt.h"
#include "tests.h"

/* The grade's token: from the command line, else random. Never 0. */
static uint64_t lab_token(void)
{
	static uint64_t token;
	if (token == 0)
		token = bootargs_num("token", 0);
	if (token == 0)
		token = krandom() % 1000000000 + 1;
	return token;
}

/* Start labcheck MODE TOKEN [ARG]: its pid, or a negative error. */
static int labcheck_start(const char *mode, const char *arg)
{
	char tok[24];
	snprintf(tok, sizeof(tok), "%lu", lab_token());
	kprintf("    # labcheck %s %s%s%s\n", mode, tok, arg ? " " : "", arg ? arg : "");
	return kt_spawnl("labcheck", mode, tok, arg, NULL);
}

/* Run labcheck MODE TOKEN [ARG] and return its exit code (or a negative
 * code: killed after ms, or did not end normally). */
static int labcheck(const char *mode, const char *arg, int ms)
{
	return kt_wait_code_within(labcheck_start(mode, arg), ms);
}

/* pstree: the program's output must be the tree the kernel has. */
int test_lab_pstree(void)
{
	int srv = kt_fs_start();
	KT_ASSERT(srv > 0);
	int code = labcheck("pstree", NULL, 60000);
	KT_EQ(kt_fs_stop(srv), 0);
	KT_EQ(code, 0);
	return 0;
}

/* sysinfo: the counts the call returns against the kernel's own. */
int test_lab_sysinfo(void)
{
	uint64_t before = kfree_pages();
	char n[8];
	snprintf(n, sizeof(n), "%d", ncpu);
	KT_EQ(labcheck("sysinfo", n, 60000), 0);
	/* Everything the program and its children took is back. */
	KT_ASSERT(kt_wait_until(kt_pages_back, (void *)(uintptr_t)before, 2000));
	return 0;
}

/* The doorbell: every reply arrives (a lost wake-up hangs the program),
 * need_wakeup says what it should (labcheck), and on one hart a call takes
 * one trap at most. The kernel counts the program's doorbell traps itself. */
int test_lab_doorbell(void)
{
	const int calls = 2000 + (int)(lab_token() % 1000);
	char n[12];
	snprintf(n, sizeof(n), "%d", calls);
	int pid = labcheck_start("doorbell", n);
	KT_ASSERT(pid > 0);
	if (!kt_wait_until(kt_ended, (void *)(intptr_t)pid, 60000)) {
		proc_kill_pid(pid, EXIT_KILLED);
		kt_wait_code(pid);
		KT_FAIL("labcheck doorbell still waits after 60 s: a lost wake-up?");
	}
	struct proc *p = proc_by_pid(pid); /* ended, not yet collected: its count is final */
	KT_ASSERT(p != NULL);
	uint64_t traps = p->doorbells;
	kprintf("    # %d calls, %lu doorbell traps, %d hart%s\n", calls, traps, ncpu,
	        ncpu > 1 ? "s" : "");
	KT_EQ(kt_wait_code(pid), 0);
	/* One hart: one trap per call at most (the ring and the wait share
	 * it). More harts: the kernel's hart polls, so a ring is rare; but how
	 * rare depends on how busy the host is (a waiter polls 200 us before
	 * it sleeps), so it is printed, not checked: labcheck checks the flag
	 * that decides it. */
	if (ncpu == 1)
		KT_ASSERT(traps <= (uint64_t)calls + 16);

	/* A process with nothing to do sleeps: blocked in the doorbell, taking
	 * no timer ticks and no traps (a poller that spins instead would). */
	int idle = kt_spawnl("labcheck", "idle", NULL);
	KT_ASSERT(idle > 0);
	int asleep = kt_wait_until(kt_blocked, (void *)(intptr_t)idle, 5000); /* in its sys_sleep */
	p = proc_by_pid(idle);
	KT_ASSERT(p != NULL);
	uint64_t ticks = p->ticks, rings = p->doorbells;
	ksleep_ns(500ULL * 1000 * 1000);
	int state = p->state;
	ticks = p->ticks - ticks;
	rings = p->doorbells - rings;
	kprintf("    # idle process: state %d, %lu ticks and %lu traps in 500 ms\n", state, ticks,
	        rings);
	KT_EQ(proc_kill_pid(idle, EXIT_KILLED), 0);
	kt_wait_code(idle);
	KT_ASSERT(asleep);
	KT_EQ(state, P_BLOCKED);
	KT_ASSERT(ticks <= 1 && rings <= 1);
	return 0;
}

/* The key-value server: a fresh one, checked by a client and a thief; no
 * shared block may be left behind (requests are the server's to free,
 * replies the client's). */
int test_lab_kvserver(void)
{
	struct vds_shm_stats before, after;
	VDS(shm_stats)(&before);
	int srv = kt_spawnl("kvsrv", NULL);
	KT_ASSERT(srv > 0);
	uint64_t id = 0;
	for (int tries = 0; tries < 5000 && (VDS(name_get)("kv", &id) < 0 || (int)id != srv);
	     tries++)
		ksleep_ns(1000000);
	KT_EQ(id, srv); /* registered: the server's main runs */
	int code = labcheck("kv", NULL, 60000);
	int alive = proc_alive(srv) != NULL;
	proc_kill_pid(srv, EXIT_KILLED);
	kt_wait_code(srv);
	KT_EQ(code, 0);
	KT_ASSERT(alive); /* the hostile requests did not end it */
	VDS(shm_stats)(&after);
	KT_EQ(after.blocks_live, before.blocks_live);
	return 0;
}
