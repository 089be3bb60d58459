/*
 * The in-kernel test runner (booted with "test" on the command line). Prints
 * KTAP: a plan, then `ok N name` or `not ok N name` per test, then a
 * summary, and ends QEMU with status 0 only if everything passed.
 */
#include <stdio.h>
#include <string.h>
#include "../fdt.h"
#include "ktest.h"
#include "tests.h"

static const struct ktest ktests[] = {
#define KTEST(name) { #name, test_##name },
#include "tests.def"
#undef KTEST
};

#define NKTESTS ((int)(sizeof(ktests) / sizeof(ktests[0])))

int kt_run(int argc, char *const argv[], struct exitinfo *ei)
{
	int pid = proc_spawn(kernel_proc, argc, argv);
	if (pid < 0)
		return pid;
	return proc_wait(kernel_proc, pid, ei);
}

static int run_utest(const struct utest *t)
{
	int argc = 0;
	while (argc < MAXARG && t->argv[argc])
		argc++;
	struct exitinfo ei;
	int r = kt_run(argc, (char *const *)t->argv, &ei);
	if (r < 0)
		KT_FAIL("spawn %s: error %d", t->argv[0], r);
	KT_EQ(ei.reason, t->reason);
	if (t->reason == EXIT_NORMAL)
		KT_EQ(ei.code, t->code);
	if (t->reason == EXIT_FAULT)
		KT_EQ(ei.scause, t->scause);
	return 0;
}

static int n_ok, n_fail, n_done;

/* A test that failed half-way may leave children behind: stop and collect
 * them, so that the next test starts clean. */
static void reap_leftovers(void)
{
	do /* again after each one: a killed child's orphans come to the kernel */
		for (int i = 1; i < NPROC; i++)
			if (proc[i].parent == kernel_proc && proc[i].state != P_UNUSED &&
			    proc[i].state != P_ZOMBIE)
				proc_kill_pid(proc[i].pid, EXIT_KILLED);
	while (proc_wait(kernel_proc, -1, NULL) > 0);
}

static void report(int failed, const char *name)
{
	n_done++;
	if (failed)
		n_fail++;
	else
		n_ok++;
	kprintf("%sok %d %s\n", failed ? "not " : "", n_done, name);
}

/* Is name one of the comma-separated names in list? */
static int listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && strncmp(p, name, n) == 0)
			return 1;
		p += len + (end != NULL);
	}
	return 0;
}

/* With only=NAME[,NAME...] on the command line (make test ONLY=...), run
 * just those in-kernel tests, in the suite's order. */
static void run_only(void)
{
	char only[256];
	if (!bootargs_str("only", only, sizeof(only)))
		return;
	int planned = 0;
	for (int i = 0; i < NKTESTS; i++)
		planned += listed(only, ktests[i].name);
	kprintf("KTAP version 1\n1..%d\n", planned ? planned : 1);
	for (int i = 0; i < NKTESTS; i++) {
		if (!listed(only, ktests[i].name))
			continue;
		report(ktests[i].fn(), ktests[i].name);
		reap_leftovers();
	}
	if (n_done == 0)
		report(1, only); /* no such test */
	machine_exit(n_fail == 0 ? 0 : 1);
}

void ktest_main(void *arg)
{
	(void)arg;
	console_set_echo(0);
	run_only();
	kprintf("KTAP version 1\n1..%d\n", NKTESTS + n_utests);
	for (int i = 0; i < NKTESTS; i++) {
		report(ktests[i].fn(), ktests[i].name);
		reap_leftovers();
	}
	for (int i = 0; i < n_utests; i++) {
		const struct utest *t = &utests[i];
		char name[64];
		snprintf(name, sizeof(name), "user:%s", t->argv[0]);
		report(run_utest(t), name);
	}
	kprintf("# %d passed, %d failed\n", n_ok, n_fail);
	machine_exit(n_fail == 0 ? 0 : 1);
}
