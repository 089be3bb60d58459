/* init: the first process. Starts the shell; when the shell ends, so does the machine. */
#include <vdsos.h>

int main(void)
{
	char *argv[] = { "sh", NULL };
	printf("init: starting the shell (type 'help')\n");
	int pid = sys_spawn(argv, 1);
	if (pid < 0) {
		printf("init: cannot start sh: %s\n", vds_strerror(pid));
		return 1;
	}
	struct vds_exit st;
	sys_wait(pid, &st);
	return st.reason == VDS_EXIT_NORMAL ? st.code : 1;
}
