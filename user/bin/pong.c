/* pong: the ping server. Registers the name "pong" and answers each ping;
 * a quit is answered with how many of its answers went the fast path, and
 * how many replies nobody waited for it dropped (vds_msg_stats:
 * fast_answers, unmatched), and ends it. */
#include <vdsos.h>
#include "demo.h"

int main(void)
{
	int r = sys_name_set("pong", (uint64_t)sys_getpid());
	if (r < 0) {
		printf("pong: cannot register: %s\n", vds_strerror(r));
		return 1;
	}
	struct vds_sqe req, rep;
	VDS(recv)(-1, -1, &req);
	for (;;) {
		rep = (struct vds_sqe){ 0 };
		if (req.op == OP_QUIT) {
			struct vds_msg_stats st;
			VDS(msg_stats)(&st);
			rep.arg[0] = st.fast_answers;
			rep.arg[1] = st.unmatched;
			VDS(reply)(&req, &rep);
			return 0;
		}
		rep.arg[0] = req.op == OP_PING ? req.arg[0] + 1 : (uint64_t)(int64_t)-VDS_ENOSYS;
		VDS(reply_recv)(&req, &rep, -1, -1, &req); /* answer and wait in one trap */
	}
}
