/*
 * The system call wrappers, generated from include/vdsos/syscalls.def: each
 * hands its arguments to vds_syscall(), which writes them in an SQE for the
 * kernel's queue and waits for the reply. No trap unless someone has to be
 * woken.
 */
#include <vdsos/sys.h>

#define U(x)        ((uint64_t)(uintptr_t)(x))
#define EXPAND(...) __VA_ARGS__

#define SYS(nr, name, blocks, ret, params, args, doc)                 \
	ret sys_##name params                                         \
	{                                                             \
		const uint64_t a[4] = { EXPAND args };                \
		return (ret)VDS(syscall)(nr, a[0], a[1], a[2], a[3]); \
	}
#include <vdsos/syscalls.def>
#undef SYS
