/* The heap for picolibc's malloc: grown and shrunk by the sbrk system call. */
#include <errno.h>
#include <stddef.h>
#include <vdsos/sys.h>

void *sbrk(ptrdiff_t incr)
{
	long old = sys_sbrk(incr);
	if (old < 0) {
		errno = ENOMEM;
		return (void *)-1;
	}
	return (void *)old;
}
