/*
 * TEMPORARY trap interface (write, exit), used by user programs only until
 * system calls travel as SQEs through the vDSO queues. It lives in this one
 * file so that it can be deleted whole.
 */
#include "defs.h"

#define TMP_WRITE     1
#define TMP_EXIT      2
#define TMP_WRITE_MAX 256

void user_ecall(struct proc *p)
{
	struct trapframe *tf = p->tf;
	switch (tf->x[REG_A7]) {
	case TMP_WRITE: {
		char buf[TMP_WRITE_MAX];
		uint64_t n = tf->x[REG_A1];
		if (n > sizeof(buf))
			n = sizeof(buf);
		if (copyin(p->pagetable, buf, tf->x[REG_A0], n) < 0) {
			tf->x[REG_A0] = (uint64_t)-VDS_EFAULT;
			break;
		}
		console_write(buf, n);
		tf->x[REG_A0] = n;
		break;
	}
	case TMP_EXIT:
		p->exit =
		    (struct exitinfo){ .code = (int32_t)tf->x[REG_A0], .reason = EXIT_NORMAL };
		p->killed = 1;
		break;
	default:
		tf->x[REG_A0] = (uint64_t)-VDS_ENOSYS;
		break;
	}
}
