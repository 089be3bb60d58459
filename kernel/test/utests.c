/* User programs run as tests, with how each must end (expected failures too). */
#include "tests.h"

const struct utest utests[] = {
	{ .argv = { "exit7" }, .reason = EXIT_NORMAL, .code = 7 },
	{ .argv = { "argv", "one", "two", "three" }, .reason = EXIT_NORMAL, .code = 0 },
	{ .argv = { "fault_kread" }, .reason = EXIT_FAULT, .scause = EXC_LOAD_PAGE_FAULT },
	{ .argv = { "fault_kwrite" }, .reason = EXIT_FAULT, .scause = EXC_STORE_PAGE_FAULT },
	{ .argv = { "fault_csr" }, .reason = EXIT_FAULT, .scause = EXC_ILLEGAL_INST },
	{ .argv = { "fault_jump" }, .reason = EXIT_FAULT, .scause = EXC_INST_PAGE_FAULT },
	{ .argv = { "fault_wx" }, .reason = EXIT_FAULT, .scause = EXC_STORE_PAGE_FAULT },
	{ .argv = { "fault_fpu" }, .reason = EXIT_FAULT, .scause = EXC_ILLEGAL_INST },
	{ .argv = { "fault_null" }, .reason = EXIT_FAULT, .scause = EXC_LOAD_PAGE_FAULT },
	{ .argv = { "fault_stack" }, .reason = EXIT_FAULT, .scause = EXC_STORE_PAGE_FAULT },
	{ .argv = { "fault_ecall" }, .reason = EXIT_BAD_ECALL },
	{ .argv = { "attack", "write", "63" },
	  .reason = EXIT_FAULT,
	  .scause = EXC_STORE_PAGE_FAULT },
	{ .argv = { "attack", "wakeflag" }, .reason = EXIT_FAULT, .scause = EXC_STORE_PAGE_FAULT },
	{ .argv = { "hello" }, .reason = EXIT_NORMAL, .code = 0 },
	{ .argv = { "coro", "8" }, .reason = EXIT_NORMAL, .code = 0 },
	{ .argv = { "echo", "a", "b" }, .reason = EXIT_NORMAL, .code = 0 },
	{ .argv = { "ps" }, .reason = EXIT_NORMAL, .code = 0 },
	{ .argv = { "sleep", "10ms" }, .reason = EXIT_NORMAL, .code = 0 },
	{ .argv = { "kill", "999999" }, .reason = EXIT_NORMAL, .code = 1 },
};
const int n_utests = sizeof(utests) / sizeof(utests[0]);
