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

#endif
