/*
 * coro: coroutines in a program. N workers each make system calls; while
 * one waits for the kernel's reply, the others run. "coro [N]", default 4.
 * Exits 0 if every worker got every answer right.
 */
#include <vdsos.h>

#define CALLS 100

static int wrong;

static void worker(void *arg)
{
	long id = (long)arg;
	for (long i = 0; i < CALLS; i++)
		if (sys_nop(id * 1000 + i) != id * 1000 + i + 1) /* nop(x) = x + 1 */
			wrong++;
	printf("worker %ld: %d calls done\n", id, CALLS);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 4;
	for (long i = 0; i < n; i++) {
		int r = VDS(co_spawn)(worker, (void *)i, "worker", 8192);
		if (r < 0) {
			printf("coro: cannot start worker %ld: %s\n", i, vds_strerror(r));
			return 1;
		}
	}
	while (VDS(exec_live)() > 1) /* the poller is one */
		VDS(co_yield )();    /* from main: one round of the executor */
	printf("coro: %ld workers, %d wrong answers\n", n, wrong);
	return wrong != 0;
}
