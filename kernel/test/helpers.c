/* Helpers shared by the in-kernel tests: start a program, collect it, type
 * on the console, wait for a condition with a time limit. */
#include <stdarg.h>
#include <vdsos/fs.h>
#include "ktest.h"

int kt_spawnl(const char *cmd, ...)
{
	char *argv[MAXARG + 1] = { (char *)cmd };
	int argc = 1;
	va_list ap;
	va_start(ap, cmd);
	for (char *a; argc < MAXARG && (a = va_arg(ap, char *)) != NULL;)
		argv[argc++] = a;
	va_end(ap);
	return proc_spawn(kernel_proc, argc, argv);
}

int kt_wait_code(int pid)
{
	struct exitinfo ei;
	if (pid < 0 || proc_wait(kernel_proc, pid, &ei) != pid)
		return KT_NO_CHILD;
	return ei.reason == EXIT_NORMAL ? ei.code : -100 - ei.reason;
}

int kt_wait_code_within(int pid, int ms)
{
	if (pid > 0 && !kt_wait_until(kt_ended, (void *)(intptr_t)pid, ms)) {
		proc_kill_pid(pid, EXIT_KILLED);
		kt_wait_code(pid);
		return KT_TIMED_OUT;
	}
	return kt_wait_code(pid);
}

int kt_wait_fault(int pid, uint64_t scause)
{
	struct exitinfo ei;
	if (pid < 0 || proc_wait(kernel_proc, pid, &ei) != pid)
		return 0;
	return ei.reason == EXIT_FAULT && ei.scause == scause;
}

int kt_ended(void *pid)
{
	return proc_alive((int)(intptr_t)pid) == NULL;
}

int kt_wait_until(int (*cond)(void *), void *arg, int ms)
{
	for (int t = 0; t < ms; t++) {
		if (cond(arg))
			return 1;
		ksleep_ns(1000 * 1000);
	}
	return cond(arg);
}

/* A kt_wait_until condition: process (intptr_t)pid sleeps in the doorbell. */
int kt_blocked(void *pid)
{
	struct proc *p = proc_by_pid((int)(intptr_t)pid);
	return p != NULL && p->state == P_BLOCKED;
}

void kt_type(const char *s)
{
	while (*s)
		console_rx((uint8_t)*s++);
}

int kt_pop_n(struct vds_consumer *c, struct vds_sqe *out, int n)
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

int kt_fs_start(void)
{
	int srv = kt_spawnl("fs", NULL);
	uint64_t id = 0;
	for (int tries = 0; srv > 0 && tries < 5000; tries++) {
		if (VDS(name_get)(VDS_FS_NAME, &id) == 0 && (int)id == srv)
			return srv;
		ksleep_ns(1000000);
	}
	if (srv > 0) {
		proc_kill_pid(srv, EXIT_KILLED);
		kt_wait_code(srv);
	}
	return -1;
}

int kt_fs_stop(int srv)
{
	int r = proc_kill_pid(srv, EXIT_KILLED);
	int code = kt_wait_code(srv);
	return r == 0 && code == -100 - EXIT_KILLED ? 0 : -1;
}

int kt_pages_back(void *n)
{
	return kfree_pages() >= (uint64_t)(uintptr_t)n;
}
