/*
 * Checks for test programs that run in modes (fstest, labcheck): a failed
 * check prints "PROG MODE: line N: what" on stderr and makes the function
 * return 1. The including file defines CHECK_PROG (its name) and a
 * variable `mode`.
 */
#ifndef USER_TEST_CHECK_H
#define USER_TEST_CHECK_H

#define CHECK(c)                                                                              \
	do {                                                                                  \
		if (!(c)) {                                                                   \
			fprintf(stderr, CHECK_PROG " %s: line %d: %s\n", mode, __LINE__, #c); \
			return 1;                                                             \
		}                                                                             \
	} while (0)

#define EQ(a, b)                                                                                 \
	do {                                                                                     \
		long long a_ = (long long)(a), b_ = (long long)(b);                              \
		if (a_ != b_) {                                                                  \
			fprintf(stderr, CHECK_PROG " %s: line %d: %s is %lld, not %lld\n", mode, \
			        __LINE__, #a, a_, b_);                                           \
			return 1;                                                                \
		}                                                                                \
	} while (0)

/* Run f, a function returning 0 or 1 like these checks: return if it failed. */
#define RUN(f)                     \
	do {                       \
		int r_ = (f);      \
		if (r_ != 0)       \
			return r_; \
	} while (0)

#endif
