/* System calls as SQEs, and IPC, driven from the kernel. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests.h"
#include <vdsos/sys.h>

int test_sys_every_call(void)
{
	KT_EQ(kt_wait_code(kt_spawnl("systest", NULL)), 0);
	return 0;
}

/*
 * A process that fills its own queue's cells and tail, and its outbox
 * header (every `inside` bit set, a junk head and need_wakeup), with
 * garbage and exits: the kernel reaps it, takes the registry entry back,
 * and goes on serving calls.
 */
int test_sys_scribble(void)
{
	int before = kq_count();
	KT_EQ(kt_wait_code(kt_spawnl("hostile", "scribble", NULL)), 0);
	for (int tries = 0; tries < 100 && kq_count() != before; tries++)
		ksleep_ns(5 * 1000 * 1000); /* the reaper retries every tick */
	KT_EQ(kq_count(), before);
	KT_EQ(kt_wait_code(kt_spawnl("stress", "100", NULL)), 0);
	KT_EQ(kq_count(), before);
	return 0;
}

/*
 * A process that sends 512 calls (bypassing the vDSO's limit) and never
 * reads its queue. The kernel answers while there is room: VDS_KBOX_SLOTS
 * replies sit in its queue, VDS_CALLS_MAX more wait in the kernel for room,
 * the rest are refused as over the limit. Nothing honest is held up
 * meanwhile, nothing is lost, and the waiting replies go when it dies.
 */
int test_sys_full_queue(void)
{
	enum { CALLS = 512 };
	struct ksys_stats s0, s1;
	uint64_t lost0, lost1;
	ksys_stats(&s0);
	kq_pending(&lost0);
	char *argv[] = { "hostile", "flood", "512", NULL };
	int flood = proc_spawn(kernel_proc, 3, argv);
	KT_ASSERT(flood > 0);
	const struct vds_qref *q = kq_ref(flood);
	KT_ASSERT(q != NULL);
	ksys_stats(&s1);
	for (int tries = 0;
	     tries < 5000 && s1.served + s1.over_limit - s0.served - s0.over_limit < CALLS;
	     tries++) {
		ksleep_ns(1000 * 1000);
		ksys_stats(&s1);
	}
	KT_EQ(s1.served - s0.served, VDS_KBOX_SLOTS + VDS_CALLS_MAX);
	KT_EQ(s1.over_limit - s0.over_limit, CALLS - VDS_KBOX_SLOTS - VDS_CALLS_MAX);
	KT_EQ(VDS(q_len)(q), VDS_KBOX_SLOTS);
	KT_EQ(kq_pending(NULL), VDS_CALLS_MAX);
	KT_EQ(kt_wait_code(kt_spawnl("stress", "200", NULL)),
	      0); /* nop calls, like the flooder's */
	KT_EQ(proc_kill_pid(flood, EXIT_KILLED), 0);
	KT_EQ(kt_wait_code(flood), -100 - EXIT_KILLED);
	KT_EQ(kq_pending(&lost1), 0);
	KT_EQ(lost1, lost0);
	return 0;
}

/* 16 processes, each 1000 calls from 4 coroutines, all at once. */
int test_sys_stress(void)
{
	enum { N = 16 };
	int pids[N];
	struct ksys_stats s0, s1;
	ksys_stats(&s0);
	for (int i = 0; i < N; i++)
		KT_ASSERT((pids[i] = kt_spawnl("stress", "1000", NULL)) > 0);
	for (int i = 0; i < N; i++)
		KT_EQ(kt_wait_code(pids[i]), 0);
	ksys_stats(&s1);
	KT_EQ(s1.over_limit + s1.bad + s1.dead,
	      s0.over_limit + s0.bad + s0.dead); /* nothing honest refused */
	return 0;
}

/* 10,000 calls sent before any is collected: every reply arrives exactly
 * once (the vDSO holds calls beyond its limit, the kernel drops nothing),
 * for one such process and for eight at once. */
int test_batch_flow(void)
{
	char *argv[] = { "stress", "batch", "10000", NULL };
	struct ksys_stats s0, s1;
	uint64_t lost0, lost1;
	ksys_stats(&s0);
	kq_pending(&lost0);
	KT_EQ(kt_wait_code(proc_spawn(kernel_proc, 3, argv)), 0);
	int pids[8];
	for (int i = 0; i < 8; i++)
		KT_ASSERT((pids[i] = proc_spawn(kernel_proc, 3, argv)) > 0);
	for (int i = 0; i < 8; i++)
		KT_EQ(kt_wait_code(pids[i]), 0);
	ksys_stats(&s1);
	kq_pending(&lost1);
	KT_EQ(s1.over_limit, s0.over_limit);
	KT_EQ(lost1, lost0);
	return 0;
}

/* A process asleep in the kernel does not hold up another's calls. */
int test_sys_blocking_isolation(void)
{
	/* The sleep is long enough for the calls even on a loaded host. */
	int sleeper = kt_spawnl("sleeper", "20000", NULL);
	int busy = kt_spawnl("stress", "2000", NULL);
	struct exitinfo ei;
	KT_EQ(proc_wait(kernel_proc, -1, &ei), busy); /* all 2000 calls done first */
	KT_EQ(ei.code, 0);
	KT_ASSERT(proc_alive(sleeper) != NULL); /* still asleep, not stuck behind them */
	KT_EQ(proc_kill_pid(sleeper, EXIT_KILLED), 0);
	KT_EQ(kt_wait_code(sleeper), -100 - EXIT_KILLED);
	return 0;
}

/* Ten processes sleeping different times (started in another order) wake in
 * the order of their times. The steps (100 ms) dwarf the time between the
 * first and the last spawn. */
int test_sys_sleep_order(void)
{
	static char *ms[10] = { "500", "100",  "900", "300", "700",
		                "200", "1000", "400", "800", "600" };
	int pids[10];
	for (int i = 0; i < 10; i++)
		KT_ASSERT((pids[i] = kt_spawnl("sleeper", ms[i], NULL)) > 0);
	int last = 0;
	for (int k = 0; k < 10; k++) {
		struct exitinfo ei;
		int pid = proc_wait(kernel_proc, -1, &ei);
		int t = 0;
		for (int i = 0; i < 10; i++)
			if (pids[i] == pid)
				t = atoi(ms[i]);
		if (t <= last)
			KT_FAIL("sleeper of %d ms woke after the one of %d ms", t, last);
		last = t;
	}
	return 0;
}

/* scripts/run-tests.sh typed a line on the serial port at boot: it came in
 * through the UART's receive interrupt and the PLIC, and waits for a reader. */
int test_sys_uart_input(void)
{
	/* make test types the line once the plan is out; a kernel booted by
	 * hand with "test" gets a minute to have it typed, then a clear no. */
	int r =
	    kt_wait_code_within(kt_spawnl("readline", "typed on the serial line", NULL), 60 * 1000);
	if (r == KT_TIMED_OUT)
		KT_FAIL("no line typed on the serial port within a minute");
	KT_EQ(r, 0);
	return 0;
}

/* Console read: it blocks without slowing others; the line discipline
 * edits (backspace, ^U) and ^D at line start ends the input. */
int test_sys_console_read(void)
{
	int reader = kt_spawnl("readline", "hello world", NULL);
	int busy = kt_spawnl("stress", "500", NULL);
	struct exitinfo ei;
	KT_EQ(proc_wait(kernel_proc, -1, &ei), busy); /* finished while reader waits */
	KT_EQ(ei.code, 0);
	kt_type("hellp\x7fo world\n");
	KT_EQ(kt_wait_code(reader), 0);
	reader = kt_spawnl("readline", "edited", NULL);
	kt_type("junk\x15"
	        "edit\bted\r"); /* ^U kills "junk", backspace the first t */
	KT_EQ(kt_wait_code(reader), 0);
	reader = kt_spawnl("readline", "--eof", NULL);
	kt_type("\x04");
	KT_EQ(kt_wait_code(reader), 0);
	return 0;
}

int test_ipc_ping(void)
{
	KT_EQ(kt_wait_code(kt_spawnl("ping", "10000", NULL)), 0);
	return 0;
}

/* The key-value server with 4 clients at once, each checking its own keys. */
int test_ipc_kv(void)
{
	int srv = kt_spawnl("kvsrv", NULL);
	uint64_t id;
	for (int tries = 0; tries < 500 && VDS(name_get)("kv", &id) < 0; tries++)
		ksleep_ns(1000000);
	KT_ASSERT(VDS(name_get)("kv", &id) == 0 && (int)id == srv);
	char *names[4] = { "a", "b", "c", "d" };
	int cli[4];
	for (int i = 0; i < 4; i++) {
		char *argv[] = { "kvcli", "check", names[i], "25", NULL };
		KT_ASSERT((cli[i] = proc_spawn(kernel_proc, 4, argv)) > 0);
	}
	for (int i = 0; i < 4; i++)
		KT_EQ(kt_wait_code(cli[i]), 0);
	KT_EQ(kt_wait_code(kt_spawnl("kvcli", "quit", NULL)), 0);
	KT_EQ(kt_wait_code(srv), 0);
	KT_ASSERT(VDS(name_get)("kv", &id) == -VDS_ENOENT); /* purged with its owner */
	return 0;
}

/* recv from main with an op or a sender to match: the others wait, in
 * order, for a recv that matches them; replies are never received. */
int test_ipc_recv_filter(void)
{
	KT_EQ(kt_wait_code(kt_spawnl("ipctest", "filter", NULL)), 0);
	return 0;
}

/* A client's calls and its server's answers from main go the fast path
 * (polling first when they may run on different harts), and every call is
 * answered. */
int test_ipc_fast_path(void)
{
	KT_EQ(kt_wait_code_within(kt_spawnl("ipctest", "fast", "2000", NULL), 60 * 1000), 0);
	/* Two clients: an answer given while the other's request waits must
	 * still ring the client it is for. */
	KT_EQ(kt_wait_code_within(kt_spawnl("ipctest", "tworing", "2000", NULL), 60 * 1000), 0);
	return 0;
}

/* The fast paths hand over to the general way when something else comes
 * first (a request before a call's reply, a stray reply before a request,
 * a request a server's filter does not take): nothing is lost, every call
 * is answered. */
int test_ipc_fast_fallback(void)
{
	KT_EQ(kt_wait_code_within(kt_spawnl("ipctest", "fastfall", NULL), 60 * 1000), 0);
	return 0;
}

/* A call answered long after its request was read, its outbox slot
 * carrying another message by then: that message is not lost. */
int test_ipc_call_slot_reuse(void)
{
	KT_EQ(kt_wait_code_within(kt_spawnl("ipctest", "slotreuse", NULL), 60 * 1000), 0);
	return 0;
}

/* Messages to ids never registered or dead fail; a call to a process that
 * dies before answering ends with -EDEAD. */
int test_ipc_errors(void)
{
	KT_EQ(kt_wait_code(kt_spawnl("ipctest", "errors", NULL)), 0);
	int victim = kt_spawnl("qtest", "spin", NULL);
	char id[16];
	snprintf(id, sizeof(id), "%d", victim);
	char *argv[] = { "ipctest", "deadcall", id, NULL };
	int caller = proc_spawn(kernel_proc, 3, argv);
	const struct vds_qref *vq = kq_ref(victim);
	for (int tries = 0; tries < 500 && vq && VDS(q_len)(vq) == 0; tries++)
		ksleep_ns(1000000); /* until the call is in the victim's queue */
	KT_EQ(proc_kill_pid(victim, EXIT_KILLED), 0);
	KT_EQ(kt_wait_code(victim), -100 - EXIT_KILLED);
	KT_EQ(kt_wait_code(caller), 0);
	return 0;
}
