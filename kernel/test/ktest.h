/* In-kernel tests: each is a function returning 0 (pass) or 1 (fail). */
#ifndef KERNEL_TEST_KTEST_H
#define KERNEL_TEST_KTEST_H

#include "../defs.h"

#define KT_FAIL(...)                                          \
	do {                                                  \
		kprintf("    # %s:%d: ", __FILE__, __LINE__); \
		kprintf(__VA_ARGS__);                         \
		kprintf("\n");                                \
		return 1;                                     \
	} while (0)

#define KT_ASSERT(cond)                                         \
	do {                                                    \
		if (!(cond))                                    \
			KT_FAIL("assertion failed: %s", #cond); \
	} while (0)

/* Compare two integers; print both on failure. */
#define KT_EQ(a, b)                                                               \
	do {                                                                      \
		long long _a = (long long)(a), _b = (long long)(b);               \
		if (_a != _b)                                                     \
			KT_FAIL("%s == %s: got %lld, want %lld", #a, #b, _a, _b); \
	} while (0)

struct ktest {
	const char *name;
	int (*fn)(void);
};

/* A user program run as a test: it must end as `want` says. */
struct utest {
	const char *argv[MAXARG];
	int reason;      /* enum exit_reason */
	int code;        /* exit code when reason == EXIT_NORMAL */
	uint64_t scause; /* for EXIT_FAULT */
};

/* Run argv[0] from the initrd as a child of the kernel and wait for it. */
int kt_run(int argc, char *const argv[], struct exitinfo *ei);

/* Shared helpers (helpers.c). */
#define KT_NO_CHILD  (-1000) /* kt_wait_code: no such child */
#define KT_TIMED_OUT (-2000) /* kt_wait_code_within: killed at the limit */

/* Spawn cmd with the arguments that follow (NULL-terminated) as a child of
 * the kernel; returns its pid or a negative error. */
int kt_spawnl(const char *cmd, ...);
/* Collect pid: its exit code, or -100 - reason if it did not exit normally. */
int kt_wait_code(int pid);
/* The same, but a child still running after ms milliseconds is killed and
 * KT_TIMED_OUT returned. */
int kt_wait_code_within(int pid, int ms);
/* Collect pid: did it die of a fault with this scause? */
int kt_wait_fault(int pid, uint64_t scause);
/* Poll cond(arg) every millisecond for up to ms milliseconds. */
int kt_wait_until(int (*cond)(void *), void *arg, int ms);
int kt_blocked(void *pid); /* kt_wait_until: (intptr_t)pid sleeps in the doorbell */
/* A kt_wait_until condition: process (intptr_t)pid is no longer running. */
int kt_ended(void *pid);
/* Type s on the console, as if through the UART. */
void kt_type(const char *s);
/* Start a file server (user/bin/fs.c): its pid once it has registered its
 * name, or -1. kt_fs_stop kills it: 0 if it was still running. */
int kt_fs_start(void);
int kt_fs_stop(int srv);
/* A kt_wait_until condition: at least (uintptr_t)n pages are free. */
int kt_pages_back(void *n);
/* Pop n messages from a kernel-held queue, waiting up to about 2 s. */
int kt_pop_n(struct vds_consumer *c, struct vds_sqe *out, int n);

#endif
