/*
 * clocktest N: the vDSO clock (no message, no trap) N times across harts:
 * it never goes back, even as this process moves from hart to hart (it
 * yields between reads), and it agrees with the kernel's clock (the clock
 * system call) within a scheduler tick. Exit 0 if so.
 */
#include <vdsos.h>

#define TICK_NS 10000000ULL /* the kernel's scheduler tick (kernel/param.h: TICK_HZ 100) */

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200;
	uint64_t last = 0;
	for (long i = 0; i < n; i++) {
		uint64_t a = VDS(clock_ns)();
		int64_t k = sys_clock();
		uint64_t b = VDS(clock_ns)();
		if (a < last || b < a) {
			printf("clocktest: went back: %lu after %lu\n", (unsigned long)a,
			       (unsigned long)last);
			return 1;
		}
		if (k < 0 || (uint64_t)k + TICK_NS < a || (uint64_t)k > b + TICK_NS) {
			printf("clocktest: kernel %ld, vDSO %lu..%lu\n", (long)k, (unsigned long)a,
			       (unsigned long)b);
			return 2;
		}
		last = b;
		if (i % 8 == 7)
			sys_yield(); /* and perhaps wake up on another hart */
	}
	return 0;
}
