/*
 * stress N: N system calls from 4 coroutines at once, of mixed kinds, each
 * checking that every reply is its own: nop(x) = x + 1 with x unique to the
 * call, getpid, a short sleep (a call the kernel serves in a coroutine of
 * its own), an empty ps, a name that is not there; plus batches of calls in
 * flight together answered out of order. Exit 0 if no reply was lost,
 * duplicated or delivered to the wrong coroutine.
 *
 * stress batch N: N calls sent without collecting any (call_async waits
 * for room beyond VDS_CALLS_MAX in flight), then all collected in order:
 * every reply arrives exactly once, none is dropped.
 */
#include <vdsos.h>

#define COROS 4

static long per;
static int bad, done, mypid;

static void worker(void *arg)
{
	long id = (long)arg;
	for (long i = 0; i < per; i++) {
		long x = (id << 32) | i;
		if (i % 50 == 49) { /* a batch of 4 in flight, collected in reverse */
			struct vds_sqe req[4];
			int64_t tag[4];
			for (int k = 0; k < 4; k++) {
				req[k] = (struct vds_sqe){ .op = VDS_SYS_nop };
				req[k].arg[0] = (uint64_t)(x + k * 1000);
				tag[k] = VDS(call_async)(VDS_KERNEL_ID, &req[k]);
			}
			for (int k = 3; k >= 0; k--) {
				struct vds_sqe rep;
				VDS(wait_reply)(VDS_KERNEL_ID, (uint64_t)tag[k], &rep);
				if ((long)rep.arg[0] != x + k * 1000 + 1)
					bad++;
			}
			continue;
		}
		switch (i % 8) {
		case 3:
			bad += sys_getpid() != mypid;
			break;
		case 5:
			bad += sys_sleep(1000) != 0;
			break;
		case 6:
			bad += sys_ps(NULL, 0) != 0;
			break;
		case 7:
			bad += sys_name_del("stress: no such name") != -VDS_ENOENT;
			break;
		default:
			bad += sys_nop(x) != x + 1;
		}
	}
	done++;
}

static int batch(long n)
{
	int64_t *tags = malloc((size_t)n * sizeof(*tags));
	if (tags == NULL)
		return 3;
	for (long i = 0; i < n; i++) {
		struct vds_sqe req = { .op = VDS_SYS_nop };
		req.arg[0] = (uint64_t)i;
		if ((tags[i] = VDS(call_async)(VDS_KERNEL_ID, &req)) < 0)
			return 4;
	}
	for (long i = 0; i < n; i++) {
		struct vds_sqe rep;
		if (VDS(wait_reply)(VDS_KERNEL_ID, (uint64_t)tags[i], &rep) < 0 ||
		    rep.arg[0] != (uint64_t)i + 1)
			return 5;
	}
	struct vds_sqe rep;
	if (VDS(wait_reply)(VDS_KERNEL_ID, (uint64_t)tags[0], &rep) != -VDS_EINVAL)
		return 6; /* collected once, and only once */
	struct vds_msg_stats st;
	VDS(msg_stats)(&st);
	return st.unmatched == 0 && st.replies == st.calls && st.calls >= (uint64_t)n ? 0 : 7;
}

int main(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[1], "batch") == 0)
		return batch(atol(argv[2]));
	long n = argc > 1 ? atol(argv[1]) : 1000;
	per = n / COROS;
	int pid = sys_getpid();
	mypid = pid;
	for (long i = 0; i < COROS; i++)
		if (VDS(co_spawn)(worker, (void *)(i + 1), "worker", 16384) < 0)
			return 2;
	while (done < COROS)
		VDS(exec_run)(); /* run the coroutines (and the poller) */
	if (sys_getpid() != pid)
		bad++;
	return bad ? 1 : 0;
}
