/*
 * forge VICTIM: a malicious program. It writes messages straight into the
 * kernel's queue in shared memory, bypassing the vDSO's authentication:
 * one claiming to come from VICTIM asking to exit, one from itself with a
 * wrong tag. The kernel must reject both: exit 0 if VICTIM is still alive
 * (and so are we) afterwards.
 */
#include <vdsos.h>

/* Claim a cell in the kernel's queue, fill it as given, publish it raw. */
static int inject(int sender, uint16_t op, uint64_t seq, uint64_t mac)
{
	struct vds_qref r;
	struct vds_ticket t;
	if (VDS(q_open)(VDS_KERNEL_ID, &r) < 0 || VDS(q_claim)(&r, &t) < 0)
		return -1;
	t.sqe->op = op;
	t.sqe->sender = sender;
	t.sqe->seq = seq;
	t.sqe->mac = mac;
	t.sqe->tag = 1;
	__atomic_store_n(&t.ref.seq[t.pos & t.ref.mask], t.pos + 1, __ATOMIC_RELEASE);
	VDS(q_close)(&r);
	VDS(db_wake)(VDS_KERNEL_ID);
	return 0;
}

static int alive(int pid)
{
	struct vds_psinfo ps[64];
	int n = sys_ps(ps, 64);
	for (int i = 0; i < n; i++)
		if (ps[i].pid == pid && ps[i].state != VDS_PS_ZOMBIE &&
		    ps[i].state != VDS_PS_EXITING)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	int victim = argc > 1 ? atoi(argv[1]) : 0;
	if (!alive(victim))
		return 2;
	if (inject(victim, VDS_SYS_exit, 1ULL << 40, 0x123456789abcdefULL) < 0 ||
	    inject(sys_getpid(), VDS_SYS_exit, 1ULL << 41, 42) < 0)
		return 3;
	sys_sleep(50000000); /* the kernel has long seen them by now */
	return alive(victim) ? 0 : 1;
}
