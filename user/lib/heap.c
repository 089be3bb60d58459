/*
 * The heap for picolibc's malloc: grown and shrunk by the sbrk system call.
 * The call goes in the call slot kept for it (VDS_SQE_RESERVE): the vDSO
 * may be calling malloc for its own needs when the heap must grow, and
 * growing it must not need malloc in turn.
 */
#include <errno.h>
#include <stddef.h>
#include <vdsos/sys.h>

void *sbrk(ptrdiff_t incr)
{
	struct vds_sqe req = { .op = VDS_SYS_sbrk, .flags = VDS_SQE_RESERVE }, rep;
	req.arg[0] = (uint64_t)incr;
	int r = VDS(call)(VDS_KERNEL_ID, &req, &rep);
	long old = r < 0 ? r : (long)rep.arg[0];
	if (old < 0) {
		errno = ENOMEM;
		return (void *)-1;
	}
	return (void *)old;
}
