/*
 * spin           computes forever: the kernel must preempt it (and can kill it)
 * spin ecall     makes classic trap system calls forever, so nearly every
 *                trap goes back to it without the scheduler's lock
 *                (sched_after_trap's fast way): it must still be killable
 */
#include <string.h>
#include <vdsos.h>

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "ecall") == 0)
		for (;;)
			VDS(doorbell)(VDS_DB_CLASSIC, -1);
	volatile unsigned long n = 0;
	for (;;)
		n++;
}
