/*
 * init: the first process. Starts the file server (fs) and, once it has
 * registered its name, the shell; starts a new one of either whenever it
 * ends (the machine ends only through the shell's halt; files live in the
 * server's memory, so a new server starts empty but for its seed). The
 * kernel gives init every process whose parent dies; init reaps them.
 */
#include <vdsos.h>

static int start(const char *name)
{
	char *argv[] = { (char *)name, NULL };
	int pid = sys_spawn(argv, 1);
	if (pid < 0)
		printf("init: cannot start %s: %s\n", name, vds_strerror(pid));
	return pid;
}

/* The file server, and its name: the shell's programs come from it. */
static int start_fs(void)
{
	int pid = start("fs");
	uint64_t id;
	for (int i = 0; pid > 0 && i < 500; i++) {
		if (VDS(name_get)(VDS_FS_NAME, &id) == 0 && id == (uint64_t)pid)
			return pid;
		sys_sleep(10000000ULL);
	}
	if (pid > 0)
		printf("init: the file server did not register; going on without files\n");
	return pid;
}

/* init noshell: reap adopted processes only (the kernel's tests). */
int main(int argc, char **argv)
{
	int noshell = argc > 1 && strcmp(argv[1], "noshell") == 0;
	int fs = 0, shell = 0;
	if (!noshell) {
		fs = start_fs();
		printf("init: starting the shell (type 'help')\n");
		shell = start("sh");
	}
	for (;;) {
		struct vds_exit st;
		int pid = sys_wait(-1, &st);
		if (noshell) {
			if (pid < 0)
				sys_sleep(20000000ULL); /* nobody to reap yet */
			continue;
		}
		if (pid > 0 && pid == fs) {
			printf(
			    "init: the file server ended; starting a new one (files are lost)\n");
			sys_sleep(1000000000ULL); /* a server that cannot start: not in a loop */
			fs = start_fs();
		}
		if (pid == -VDS_ECHILD || (pid > 0 && pid == shell)) {
			if (pid > 0 && st.reason != VDS_EXIT_NORMAL)
				printf("init: the shell was killed; starting a new one\n");
			shell = start("sh"); /* adopted orphans are reaped meanwhile */
			if (shell < 0)
				sys_sleep(1000000000ULL); /* and try again */
		}
	}
}
