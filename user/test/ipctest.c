/*
 * IPC errors, from user space.
 *   ipctest errors     sending to an id never registered, or to a dead child,
 *                      fails at once with -ENOENT
 *   ipctest deadcall P call process P, which dies without answering: the
 *                      call must end with -EDEAD (the kernel bounces it)
 */
#include <vdsos.h>

int main(int argc, char **argv)
{
	struct vds_sqe m = { .op = VDS_OP_USER }, rep;
	if (argc > 2 && strcmp(argv[1], "deadcall") == 0) {
		int r = VDS(call)(atoi(argv[2]), &m, &rep);
		return r == 0 && (int64_t)rep.arg[0] == -VDS_EDEAD ? 0 : 1;
	}
	if (VDS(send)(999999, &m) != -VDS_ENOQUEUE || VDS(call)(999999, &m, &rep) != -VDS_ENOQUEUE)
		return 1;
	char *argv2[] = { "exit7", NULL };
	int child = sys_spawn(argv2, 1);
	if (child < 0 || sys_wait(child, NULL) != child)
		return 2;
	if (VDS(send)(child, &m) != -VDS_ENOQUEUE)
		return 3;
	return 0;
}
