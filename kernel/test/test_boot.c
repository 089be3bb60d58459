/* Boot: harts, memory and the device tree match what QEMU was given. */
#include "tests.h"
#include "../fdt.h"

/* Every hart came up through SBI HSM and ran its scheduler. */
int test_boot_harts(void)
{
	uint64_t want = bootargs_num("ncpu", 0);
	if (want)
		KT_EQ(ncpu, want);
	for (int tries = 0; tries < 100; tries++) {
		int up = 0;
		for (int i = 0; i < ncpu; i++)
			up += __atomic_load_n(&cpus[i].started, __ATOMIC_ACQUIRE);
		if (up == ncpu)
			return 0;
		ksleep_ns(10 * 1000 * 1000);
	}
	KT_FAIL("not every hart reported in");
}
