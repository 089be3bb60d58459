/*
 * The system call wrappers, generated from include/vdsos/syscalls.def: each
 * puts its arguments in an SQE for the kernel's queue and waits for the
 * reply (vds_call). No trap unless someone has to be woken.
 */
#include <string.h>
#include <vdsos/sys.h>

#define U(x)        ((uint64_t)(uintptr_t)(x))
#define EXPAND(...) __VA_ARGS__

static int64_t syscall4(int nr, const uint64_t a[4])
{
	struct vds_sqe req = { .op = (uint16_t)nr }, rep;
	memcpy(req.arg, a, 4 * sizeof(uint64_t));
	int r = VDS(call)(VDS_KERNEL_ID, &req, &rep);
	return r < 0 ? r : (int64_t)rep.arg[0];
}

#define SYS(nr, name, blocks, ret, params, args, doc)  \
	ret sys_##name params                          \
	{                                              \
		const uint64_t a[4] = { EXPAND args }; \
		return (ret)syscall4(nr, a);           \
	}
#include <vdsos/syscalls.def>
#undef SYS
