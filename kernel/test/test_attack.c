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

static int spawnv(int argc, char **argv)
{
	return proc_spawn(kernel_proc, argc, argv);
}

static int spawn3(char *a, char *b, char *c)
{
	char *argv[] = { "attack", a, b, c, NULL };
	return spawnv(2 + (b != NULL) + (c != NULL), argv);
}

/* Exit code, or -100 - reason if it did not exit normally. */
static int wait_code(int pid)
{
	struct exitinfo ei;
	if (pid < 0 || proc_wait(kernel_proc, pid, &ei) != pid)
		return -1000;
	return ei.reason == EXIT_NORMAL ? ei.code : -100 - ei.reason;
}

static int wait_fault(int pid, uint64_t scause)
{
	struct exitinfo ei;
	if (pid < 0 || proc_wait(kernel_proc, pid, &ei) != pid)
		return 0;
	return ei.reason == EXIT_FAULT && ei.scause == scause;
}

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
	int pid = spawnv(2, argv);
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
	KT_EQ(wait_code(pid), -100 - EXIT_KILLED);
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
	int target = spawn3("target", NULL, NULL);
	KT_ASSERT(target > 0);
	char pid[16], slot[16];
	snprintf(pid, sizeof(pid), "%d", target);
	snprintf(slot, sizeof(slot), "%d", proc_by_pid(target)->slot);
	VDS(q_stats)(&a);
	KT_EQ(wait_code(spawn3("refs", pid, slot)), 0);
	VDS(q_stats)(&b);
	KT_EQ(b.replayed - a.replayed, 2);
	KT_EQ(b.bad_seq - a.bad_seq, 1);
	KT_EQ(b.wrong_to - a.wrong_to, 1);
	KT_EQ(b.bad_ref - a.bad_ref, 4);
	struct proc *t = proc_by_pid(target);
	KT_ASSERT(t != NULL && t->state != P_ZOMBIE && t->state != P_STOPPED);
	KT_EQ(proc_kill_pid(target, EXIT_KILLED), 0);
	KT_EQ(wait_code(target), -100 - EXIT_KILLED);
	return 0;
}

/* Forged kernel replies in a victim's queue: a reply of the kernel's
 * replayed, one the kernel sent to the attacker, and replies in the
 * attacker's own name with every tag: the victim drops all of them and
 * every one of its calls gets its true answer. */
int test_attack_kreply(void)
{
	int victim = spawn3("victim", NULL, NULL);
	KT_ASSERT(victim > 0);
	char pid[16], slot[16];
	snprintf(pid, sizeof(pid), "%d", victim);
	snprintf(slot, sizeof(slot), "%d", proc_by_pid(victim)->slot);
	KT_EQ(wait_code(spawn3("kreply", pid, slot)), 0);
	KT_EQ(wait_code(victim), 0);
	return 0;
}

/* A thief attaches to a victim's queue (refused), then pops it anyway (a
 * fault): the victim gets every one of its 10000 replies. */
int test_attack_qsteal(void)
{
	char *argv[] = { "stress", "10000", NULL };
	int victim = spawnv(2, argv);
	KT_ASSERT(victim > 0);
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", victim);
	KT_ASSERT(wait_fault(spawn3("qsteal", pid, NULL), EXC_STORE_PAGE_FAULT));
	KT_EQ(wait_code(victim), 0);
	return 0;
}

/* A process writes the registry while 20 victims are spawned and served:
 * it faults, and the kernel's records of the queues are what it chose. */
int test_attack_regrace(void)
{
	enum { N = 20 };
	int hammer = spawn3("writereg", NULL, NULL), v[N];
	for (int i = 0; i < N; i++) {
		char *argv[] = { "stress", "50", NULL };
		KT_ASSERT((v[i] = spawnv(2, argv)) > 0);
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
	KT_ASSERT(wait_fault(hammer, EXC_STORE_PAGE_FAULT));
	for (int i = 0; i < N; i++)
		KT_EQ(wait_code(v[i]), 0);
	return 0;
}

/* A server refuses one client by its pid; that client's forgeries of
 * another's pid get it refused all the same; another client is served. */
int test_ipc_sender_identity(void)
{
	char *cli[] = { "attack", "guardcli", NULL };
	int good = spawnv(2, cli);
	char goodpid[16];
	snprintf(goodpid, sizeof(goodpid), "%d", good);
	int forger = spawn3("forgecli", goodpid, NULL);
	char forgerpid[16];
	snprintf(forgerpid, sizeof(forgerpid), "%d", forger);
	int guard = spawn3("guard", forgerpid, NULL);
	KT_ASSERT(good > 0 && forger > 0 && guard > 0);
	KT_EQ(wait_code(good), 0);
	KT_EQ(wait_code(forger), 0);
	KT_EQ(proc_kill_pid(guard, EXIT_KILLED), 0);
	KT_EQ(wait_code(guard), -100 - EXIT_KILLED);
	return 0;
}

/* Pop n messages from a kernel-held queue, waiting up to ~2 s. */
static int pop_n(struct vds_consumer *c, struct vds_sqe *out, int n)
{
	int got = 0;
	for (int tries = 0; got < n && tries < 1000; tries++) {
		int k = VDS(q_pop)(c, out + got, n - got);
		got += k;
		if (k == 0)
			ksleep_ns(2 * 1000 * 1000);
	}
	return got;
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
	int old = spawnv(4, five);
	KT_ASSERT(old > 0);
	int slot = proc_by_pid(old)->slot;
	KT_EQ(wait_code(old), 0);
	int new = spawnv(4, three);
	KT_ASSERT(new > 0);
	KT_EQ(proc_by_pid(new)->slot, slot); /* the same outbox */
	KT_EQ(wait_code(new), 0);
	struct vds_sqe m[8];
	KT_EQ(pop_n(&c, m, 3), 3);
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
	int pid = spawn3("obfull", id, NULL);
	KT_EQ(wait_code(pid), 0);
	enum { N = VDS_OUTBOX_SLOTS - VDS_OUTBOX_KSLOTS };
	static struct vds_sqe m[N + 1];
	int got = pop_n(&c, m, N);
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
