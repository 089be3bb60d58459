/* sleep: wait a while. "sleep 2" is two seconds, "sleep 250ms" a quarter of one. */
#include <vdsos.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		printf("usage: sleep seconds | sleep Nms\n");
		return 2;
	}
	char *end;
	uint64_t n = strtoull(argv[1], &end, 10);
	uint64_t ns = strcmp(end, "ms") == 0 ? n * 1000000ULL : n * 1000000000ULL;
	int r = sys_sleep(ns);
	if (r < 0) {
		printf("sleep: %s\n", vds_strerror(r));
		return 1;
	}
	return 0;
}
