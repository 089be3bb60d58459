/*
 * init: the first process. Starts the shell, and starts a new one whenever
 * it ends (the machine ends only through the shell's halt). The kernel
 * gives init every process whose parent dies; init reaps them.
 */
#include <vdsos.h>

static int start_shell(void)
{
	char *argv[] = { "sh", NULL };
	int pid = sys_spawn(argv, 1);
	if (pid < 0)
		printf("init: cannot start sh: %s\n", vds_strerror(pid));
	return pid;
}

/* init noshell: reap adopted processes only (the kernel's tests). */
int main(int argc, char **argv)
{
	int noshell = argc > 1 && strcmp(argv[1], "noshell") == 0;
	if (!noshell)
		printf("init: starting the shell (type 'help')\n");
	int shell = noshell ? 0 : start_shell();
	for (;;) {
		struct vds_exit st;
		int pid = sys_wait(-1, &st);
		if (noshell) {
			if (pid < 0)
				sys_sleep(20000000ULL); /* nobody to reap yet */
			continue;
		}
		if (pid == -VDS_ECHILD || (pid > 0 && pid == shell)) {
			if (pid > 0 && st.reason != VDS_EXIT_NORMAL)
				printf("init: the shell was killed; starting a new one\n");
			shell = start_shell(); /* adopted orphans are reaped meanwhile */
			if (shell < 0)
				sys_sleep(1000000000ULL); /* and try again */
		}
	}
}
