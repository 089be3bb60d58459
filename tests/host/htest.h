/* A tiny KTAP test helper for host tests: CHECK() records and goes on. */
#ifndef TESTS_HOST_HTEST_H
#define TESTS_HOST_HTEST_H

#include <stdio.h>
#include <stdlib.h>

static int ht_failed; /* failures in the current test */
static int ht_n;      /* tests reported so far */

#define CHECK(cond)                                                                           \
	do {                                                                                  \
		if (!(cond)) {                                                                \
			printf("    # %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			ht_failed++;                                                          \
		}                                                                             \
	} while (0)

#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		long long _a = (long long)(a), _b = (long long)(b);                                \
		if (_a != _b) {                                                                    \
			printf("    # %s:%d: %s == %s: got %lld, want %lld\n", __FILE__, __LINE__, \
			       #a, #b, _a, _b);                                                    \
			ht_failed++;                                                               \
		}                                                                                  \
	} while (0)

/* Report the test that just ran; returns 1 if it failed. */
static inline int ht_report(const char *name)
{
	int f = ht_failed;
	printf("%sok %d %s\n", f ? "not " : "", ++ht_n, name);
	ht_failed = 0;
	fflush(stdout);
	return f != 0;
}

/* Read a whole file into a malloc'd buffer of exactly its size. */
static inline void *ht_read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	void *buf = malloc((size_t)n);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*size = (size_t)n;
	return buf;
}

#endif
