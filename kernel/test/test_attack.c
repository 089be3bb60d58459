/*
 * Identity from the MMU: each attack on outboxes and references
 * (user/test/attack.c) is dropped and counted, or faults, and honest
 * processes around it are served (docs/TRUST.md lists them all).
 */
#include <stdio.h>
#include <string.h>
#include "tests.h"
#include "../vdso/shared.h"

#define TESTQ 1000000 /* a queue id no process has */

static uint64_t pte_perm(pagetable_t pt, uint64_t va)
{
	pte_t *pte = walk(pt, va, 0);
	return (pte && (*pte & PTE_V)) ? *pte & (PTE_R | PTE_W | PTE_X | PTE_U) : 0;
}

/* A process maps the kernel-owned part read-only, its own outbox writable,
 * every other outbox read-only, the public part writable. */
int test_outbox_perms(void)
{
	char *argv[] = { "qtest", "spin", NULL };
	int pid = proc_spawn(kernel_proc, 2, argv);
	KT_ASSERT(pid > 0);
	struct proc *p = proc_by_pid(pid);
	struct vds_info in;
	VDS(info)(&in);
	uint64_t sh = p->vdso_base + (in.shared - in.base);
	int other = p->slot == 1 ? 2 : 1;
	KT_EQ(pte_perm(p->pagetable, sh), PTE_R | PTE_U);
	KT_EQ(pte_perm(p->pagetable, sh + VDS_SH_OUTBOX(p->slot)), PTE_R | PTE_W | PTE_U);
	KT_EQ(pte_perm(p->pagetable, sh + VDS_SH_OUTBOX(p->slot) + PGSIZE), PTE_R | PTE_W | PTE_U);
	KT_EQ(pte_perm(p->pagetable, sh + VDS_SH_OUTBOX(other)), PTE_R | PTE_U);
	KT_EQ(pte_perm(p->pagetable, sh + VDS_SH_OUTBOX(p->slot + 1)), PTE_R | PTE_U);
	KT_EQ(pte_perm(p->pagetable, sh + VDS_SH_PUBLIC), PTE_R | PTE_W | PTE_U);
	KT_EQ(pte_perm(kernel_pagetable, in.shared + VDS_SH_OUTBOX(p->slot)), PTE_R | PTE_W);
	KT_EQ(proc_kill_pid(pid, EXIT_KILLED), 0);
	KT_EQ(kt_wait_code(pid), -100 - EXIT_KILLED);
	return 0;
}

/*
 * Forged references in the kernel's queue: another process's message
 * replayed and with a future number, a message addressed to someone else,
 * outboxes and slots that do not exist, an outbox nobody owns, a replay of
 * the attacker's own. Each is dropped and counted; the victim lives and the
 * attacker's honest calls around them are answered.
 */
int test_attack_refs(void)
{
	struct vds_rx_stats a, b;
	int target = kt_spawnl("attack", "target", NULL);
	KT_ASSERT(target > 0);
	char pid[16], slot[16];
	snprintf(pid, sizeof(pid), "%d", target);
	snprintf(slot, sizeof(slot), "%d", proc_by_pid(target)->slot);
	/* Asleep in its sleep call: its earlier call was answered, so taken. */
	KT_ASSERT(kt_wait_until(kt_blocked, (void *)(intptr_t)target, 5000));
	VDS(q_stats)(&a);
	KT_EQ(kt_wait_code(kt_spawnl("attack", "refs", pid, slot, NULL)), 0);
	VDS(q_stats)(&b);
	if (b.replayed - a.replayed != 2 || b.bad_seq - a.bad_seq != 1 ||
	    b.wrong_to - a.wrong_to != 1 || b.bad_ref - a.bad_ref != 4)
		printf("    # dropped as replayed %lu, bad_seq %lu, wrong_to %lu, bad_ref %lu\n",
		       (unsigned long)(b.replayed - a.replayed),
		       (unsigned long)(b.bad_seq - a.bad_seq),
		       (unsigned long)(b.wrong_to - a.wrong_to),
		       (unsigned long)(b.bad_ref - a.bad_ref));
	KT_EQ(b.replayed - a.replayed, 2);
	KT_EQ(b.bad_seq - a.bad_seq, 1);
	KT_EQ(b.wrong_to - a.wrong_to, 1);
	KT_EQ(b.bad_ref - a.bad_ref, 4);
	struct proc *t = proc_by_pid(target);
	KT_ASSERT(t != NULL && t->state != P_ZOMBIE && t->state != P_STOPPED);
	KT_EQ(proc_kill_pid(target, EXIT_KILLED), 0);
	KT_EQ(kt_wait_code(target), -100 - EXIT_KILLED);
	return 0;
}

/* Forged kernel replies in a victim's queue: a reply of the kernel's
 * replayed, one the kernel sent to the attacker, and replies in the
 * attacker's own name with every tag: the victim drops all of them and
 * every one of its calls gets its true answer. */
int test_attack_kreply(void)
{
	int victim = kt_spawnl("attack", "victim", NULL);
	KT_ASSERT(victim > 0);
	char pid[16], slot[16];
	snprintf(pid, sizeof(pid), "%d", victim);
	snprintf(slot, sizeof(slot), "%d", proc_by_pid(victim)->slot);
	KT_EQ(kt_wait_code(kt_spawnl("attack", "kreply", pid, slot, NULL)), 0);
	KT_EQ(kt_wait_code(victim), 0);
	return 0;
}

/* A thief attaches to a victim's queue (refused), then pops it anyway (a
 * fault): the victim gets every one of its 10000 replies. */
int test_attack_qsteal(void)
{
	char *argv[] = { "stress", "10000", NULL };
	int victim = proc_spawn(kernel_proc, 2, argv);
	KT_ASSERT(victim > 0);
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", victim);
	KT_ASSERT(kt_wait_fault(kt_spawnl("attack", "qsteal", pid, NULL), EXC_STORE_PAGE_FAULT));
	KT_EQ(kt_wait_code(victim), 0);
	return 0;
}

/* A process writes the registry while 20 victims are spawned and served:
 * it faults, and the kernel's records of the queues are what it chose. */
int test_attack_regrace(void)
{
	enum { N = 20 };
	int hammer = kt_spawnl("attack", "writereg", NULL), v[N];
	for (int i = 0; i < N; i++) {
		char *argv[] = { "stress", "50", NULL };
		KT_ASSERT((v[i] = proc_spawn(kernel_proc, 2, argv)) > 0);
	}
	struct vds_shared_area *sh = kvdso_shared();
	for (int i = 0; i < N; i++) {
		const struct vds_qref *r = kq_ref(v[i]);
		KT_ASSERT(r != NULL);
		KT_EQ(sh->k.reg[r->idx].id, v[i]);
		KT_EQ(sh->k.reg[r->idx].gen, r->gen);
		KT_EQ(sh->k.reg[r->idx].owner, proc_by_pid(v[i])->slot);
		KT_EQ(sh->k.reg[r->idx].cap, r->mask + 1);
	}
	KT_ASSERT(kt_wait_fault(hammer, EXC_STORE_PAGE_FAULT));
	for (int i = 0; i < N; i++)
		KT_EQ(kt_wait_code(v[i]), 0);
	return 0;
}

/* A server refuses one client by its pid; that client's forgeries of
 * another's pid get it refused all the same; another client is served. */
int test_ipc_sender_identity(void)
{
	char *cli[] = { "attack", "guardcli", NULL };
	int good = proc_spawn(kernel_proc, 2, cli);
	char goodpid[16];
	snprintf(goodpid, sizeof(goodpid), "%d", good);
	int forger = kt_spawnl("attack", "forgecli", goodpid, NULL);
	char forgerpid[16];
	snprintf(forgerpid, sizeof(forgerpid), "%d", forger);
	int guard = kt_spawnl("attack", "guard", forgerpid, NULL);
	KT_ASSERT(good > 0 && forger > 0 && guard > 0);
	KT_EQ(kt_wait_code(good), 0);
	KT_EQ(kt_wait_code(forger), 0);
	KT_EQ(proc_kill_pid(guard, EXIT_KILLED), 0);
	KT_EQ(kt_wait_code(guard), -100 - EXIT_KILLED);
	return 0;
}

/* A process exits with references still queued; the next process in its
 * slot gets the outbox: the stale references are dropped, the new
 * process's messages are delivered, in its name. */
int test_outbox_reuse(void)
{
	KT_ASSERT(kq_register(TESTQ, 64, 0) >= 0);
	struct vds_consumer c;
	VDS(q_consumer)(kq_ref(TESTQ), &c);
	char *five[] = { "qtest", "send", "1000000", "5", NULL };
	char *three[] = { "qtest", "send", "1000000", "3", NULL };
	int old = proc_spawn(kernel_proc, 4, five);
	KT_ASSERT(old > 0);
	int slot = proc_by_pid(old)->slot;
	KT_EQ(kt_wait_code(old), 0);
	int new = proc_spawn(kernel_proc, 4, three);
	KT_ASSERT(new > 0);
	KT_EQ(proc_by_pid(new)->slot, slot); /* the same outbox */
	KT_EQ(kt_wait_code(new), 0);
	struct vds_sqe m[8];
	KT_EQ(kt_pop_n(&c, m, 3), 3);
	for (int i = 0; i < 3; i++) {
		KT_EQ(m[i].sender, new);
		KT_EQ(m[i].arg[0], i);
	}
	KT_EQ(VDS(q_pop)(&c, m, -1), 0);
	KT_EQ(c.stats.bad_seq, 5); /* the old process's five */
	KT_EQ(c.stats.accepted, 3);
	KT_EQ(kq_unregister(TESTQ), 0);
	return 0;
}

/* A sender with every outbox slot in flight gets -VDS_EAGAIN, and none of
 * its messages is overwritten; its system calls still go through (the
 * slots kept for the kernel). */
int test_outbox_backpressure(void)
{
	KT_ASSERT(kq_register(TESTQ, 256, 0) >= 0);
	struct vds_consumer c;
	VDS(q_consumer)(kq_ref(TESTQ), &c);
	char id[16];
	snprintf(id, sizeof(id), "%d", TESTQ);
	int pid = kt_spawnl("attack", "obfull", id, NULL);
	KT_EQ(kt_wait_code(pid), 0);
	enum { N = VDS_OUTBOX_SLOTS - VDS_OUTBOX_KSLOTS };
	static struct vds_sqe m[N + 1];
	int got = kt_pop_n(&c, m, N);
	if (got != N)
		KT_FAIL("popped %d of %d: accepted %lu bad_ref %lu bad_seq %lu wrong_to %lu "
		        "replayed %lu "
		        "skipped %lu cancelled %lu garbage %lu",
		        got, N, c.stats.accepted, c.stats.bad_ref, c.stats.bad_seq,
		        c.stats.wrong_to, c.stats.replayed, c.stats.skipped, c.stats.cancelled,
		        c.stats.garbage);
	for (int i = 0; i < N; i++) {
		KT_EQ(m[i].sender, pid);
		KT_EQ(m[i].arg[0], i);
	}
	KT_EQ(VDS(q_pop)(&c, m, -1), 0);
	KT_EQ(kq_unregister(TESTQ), 0);
	return 0;
}

/* ---- hardening: no process can panic, stall or starve the kernel ---- */

static int readers_are(void *n)
{
	return console_readers() == (int)(intptr_t)n;
}

static int blocking_is(void *pid)
{
	struct proc *p = proc_by_pid((int)(intptr_t)pid);
	return p && p->blocking == BLOCKING_MAX;
}

/* A reader dies while its console read waits, and stays a zombie: the
 * line typed next is neither copied into its freed memory (a panic, once)
 * nor lost: the next reader gets it. */
int test_hard_dead_reader(void)
{
	char *r1[] = { "readline", "unused", NULL };
	int dead = proc_spawn(kernel_proc, 2, r1);
	KT_ASSERT(dead > 0 && kt_wait_until(readers_are, (void *)1, 2000));
	KT_EQ(proc_kill_pid(dead, EXIT_KILLED), 0);
	for (int t = 0; t < 500 && proc_by_pid(dead)->state != P_ZOMBIE; t++)
		ksleep_ns(1000 * 1000);
	KT_EQ(proc_by_pid(dead)->state, P_ZOMBIE); /* not collected yet */
	kt_type("for the next reader\n");
	ksleep_ns(20 * 1000 * 1000);
	char *r2[] = { "readline", "for the next reader", NULL };
	KT_EQ(kt_wait_code(proc_spawn(kernel_proc, 2, r2)), 0);
	KT_EQ(kt_wait_code(dead), -100 - EXIT_KILLED);
	KT_EQ(console_readers(), 0);
	return 0;
}

/* A claim in the kernel's queue that is never published (its outbox named
 * 0, which no reaping finds) holds nobody up for longer than the bound. */
int test_hard_claim_hold(void)
{
	struct vds_rx_stats a, b;
	VDS(q_stats)(&a);
	int holder = kt_spawnl("attack", "claimhold", NULL);
	KT_ASSERT(holder > 0);
	ksleep_ns(20 * 1000 * 1000);
	char *argv[] = { "stress", "200", NULL };
	KT_EQ(kt_wait_code(proc_spawn(kernel_proc, 2, argv)), 0);
	VDS(q_stats)(&b);
	KT_ASSERT(b.skipped > a.skipped);
	KT_EQ(proc_kill_pid(holder, EXIT_KILLED), 0);
	KT_EQ(kt_wait_code(holder), -100 - EXIT_KILLED);
	return 0;
}

/* Many hour-long sleeps from one process: it gets BLOCKING_MAX of them,
 * the rest -EAGAIN; others still sleep and wake; when it dies, every
 * coroutine and stack it held comes back at once. */
int test_hard_sleep_bomb(void)
{
	uint32_t co0 = VDS(exec_live)();
	int st0 = kstack_in_use();
	int bomber = kt_spawnl("attack", "sleepbomb", "40", NULL);
	KT_ASSERT(bomber > 0 && kt_wait_until(blocking_is, (void *)(intptr_t)bomber, 3000));
	char *argv[] = { "sleeper", "10", NULL };
	KT_EQ(kt_wait_code(proc_spawn(kernel_proc, 2, argv)), 0);
	KT_EQ(proc_kill_pid(bomber, EXIT_KILLED), 0);
	KT_EQ(kt_wait_code(bomber), -100 - EXIT_KILLED);
	for (int t = 0; t < 100 && (VDS(exec_live)() != co0 || kstack_in_use() != st0); t++)
		ksleep_ns(1000 * 1000);
	KT_EQ(VDS(exec_live)(), co0);
	KT_EQ(kstack_in_use(), st0);
	return 0;
}

/* Many console reads from one process: BLOCKING_MAX wait, the rest are
 * refused; when it dies they go at once, and an innocent reader that
 * comes later gets the next line. */
int test_hard_read_bomb(void)
{
	uint32_t co0 = VDS(exec_live)();
	int bomber = kt_spawnl("attack", "readbomb", "40", NULL);
	KT_ASSERT(bomber > 0 && kt_wait_until(readers_are, (void *)BLOCKING_MAX, 3000));
	KT_EQ(proc_kill_pid(bomber, EXIT_KILLED), 0);
	KT_EQ(kt_wait_code(bomber), -100 - EXIT_KILLED);
	KT_ASSERT(kt_wait_until(readers_are, (void *)0, 100));
	char *argv[] = { "readline", "innocent", NULL };
	int reader = proc_spawn(kernel_proc, 2, argv);
	KT_ASSERT(reader > 0 && kt_wait_until(readers_are, (void *)1, 2000));
	kt_type("innocent\n");
	KT_EQ(kt_wait_code(reader), 0);
	for (int t = 0; t < 100 && VDS(exec_live)() != co0; t++)
		ksleep_ns(1000 * 1000);
	KT_EQ(VDS(exec_live)(), co0);
	return 0;
}

/* A process spawns until it is refused (CHILDREN_MAX), then exits: its
 * children go to init; once they are stopped, the process table, the
 * kernel's stacks and coroutines are all back where they were. */
int test_hard_spawn_bomb(void)
{
	char *initv[] = { "init", "noshell", NULL };
	int init = proc_spawn(kernel_proc, 2, initv);
	KT_ASSERT(init > 0);
	init_proc = proc_by_pid(init);
	int procs0 = 0;
	for (int i = 1; i < NPROC; i++)
		procs0 += proc[i].state != P_UNUSED;
	/* init's wait(-1) is one kernel coroutine: count from once it waits */
	for (int t = 0; t < 300 && __atomic_load_n(&init_proc->blocking, __ATOMIC_ACQUIRE) != 1;
	     t++)
		ksleep_ns(1000 * 1000);
	KT_EQ(init_proc->blocking, 1);
	uint32_t co0 = VDS(exec_live)();
	int st0 = kstack_in_use();
	KT_EQ(kt_wait_code(kt_spawnl("attack", "spawnbomb", NULL)), 0);
	int adopted = 0;
	for (int i = 1; i < NPROC; i++)
		if (proc[i].parent == init_proc && proc[i].state != P_UNUSED) {
			adopted++;
			proc_kill_pid(proc[i].pid, EXIT_KILLED);
		}
	KT_EQ(adopted, CHILDREN_MAX);
	int procs = -1;
	for (int t = 0; t < 300 && (procs != procs0 || init_proc->blocking != 1); t++) {
		ksleep_ns(5 * 1000 * 1000);
		procs = 0;
		for (int i = 1; i < NPROC; i++)
			procs += proc[i].state != P_UNUSED;
	}
	KT_EQ(procs, procs0); /* init reaped every one */
	KT_EQ(VDS(exec_live)(), co0);
	KT_EQ(kstack_in_use(), st0);
	init_proc = kernel_proc;
	KT_EQ(proc_kill_pid(init, EXIT_KILLED), 0);
	KT_EQ(kt_wait_code(init), -100 - EXIT_KILLED);
	return 0;
}
