/* kill: stop processes by pid. */
#include <vdsos.h>

int main(int argc, char **argv)
{
	int status = 0;
	if (argc < 2) {
		printf("usage: kill pid...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		int r = sys_kill(atoi(argv[i]));
		if (r < 0) {
			printf("kill: %s: %s\n", argv[i], vds_strerror(r));
			status = 1;
		}
	}
	return status;
}
