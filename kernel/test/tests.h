/* Declarations of every in-kernel test (tests.def) and the user-program tests. */
#ifndef KERNEL_TEST_TESTS_H
#define KERNEL_TEST_TESTS_H

#include "ktest.h"

#define KTEST(name) int test_##name(void);
#include "tests.def"
#undef KTEST

extern const struct utest utests[];
extern const int n_utests;

#endif
