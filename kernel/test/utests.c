/* User programs run as tests, with how each must end. */
#include "tests.h"

const struct utest utests[] = {
	{ .argv = { "init" }, .reason = EXIT_NORMAL, .code = 0 },
};
const int n_utests = sizeof(utests) / sizeof(utests[0]);
