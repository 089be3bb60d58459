/* sleeper MS: sleep MS milliseconds, then exit 0. */
#include <vdsos.h>

int main(int argc, char **argv)
{
	uint64_t ms = argc > 1 ? strtoull(argv[1], NULL, 10) : 10;
	return sys_sleep(ms * 1000000ULL) == 0 ? 0 : 1;
}
