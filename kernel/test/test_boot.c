/* Boot: harts, memory and the device tree match what QEMU was given. */
#include <string.h>
#include "tests.h"
#include "../fdt.h"
#include "../memlayout.h"

extern char __kernel_end[], __text_end[], __rodata_end[];

/* Every hart came up through SBI HSM and ran its scheduler. */
int test_boot_harts(void)
{
	uint64_t want = bootargs_num("ncpu", 0);
	KT_ASSERT(want != 0); /* the test runner passes ncpu= on the command line */
	KT_EQ(ncpu, want);
	for (int tries = 0; tries < 200; tries++) {
		int up = 0;
		for (int i = 0; i < ncpu; i++)
			up += __atomic_load_n(&cpus[i].started, __ATOMIC_ACQUIRE);
		if (up == ncpu)
			return 0;
		ksleep_ns(10 * 1000 * 1000);
	}
	KT_FAIL("not every hart reported in");
}

/* RAM size from the device tree is what -m said (mem= on the command line, MiB). */
int test_boot_memory(void)
{
	uint64_t want_mib = bootargs_num("mem", 0);
	KT_ASSERT(want_mib != 0);
	KT_EQ(bootinfo.ram_size >> 20, want_mib);
	KT_EQ(bootinfo.ram_base, 0x80000000UL);
	KT_ASSERT(bootinfo.timebase_hz > 0);
	KT_ASSERT(bootinfo.uart_base != 0 && bootinfo.plic_base != 0 && bootinfo.test_base != 0);
	for (int i = 0; i < ncpu; i++)
		KT_ASSERT(bootinfo.plic_context[i] >= 0);
	return 0;
}

/* The page allocator holds exactly the RAM above the kernel and its heap,
 * minus the device tree blob. */
int test_boot_free_pages(void)
{
	uint64_t first = PGROUNDUP((uint64_t)__kernel_end) + KHEAP_PAGES * PGSIZE;
	uint64_t last = PGROUNDDOWN(bootinfo.ram_base + bootinfo.ram_size);
	uint64_t fdt_lo = PGROUNDDOWN(bootinfo.fdt_base);
	uint64_t fdt_hi = PGROUNDUP(bootinfo.fdt_base + bootinfo.fdt_size);
	uint64_t fdt_pages = 0;
	for (uint64_t a = fdt_lo; a < fdt_hi; a += PGSIZE)
		fdt_pages += (a >= first && a < last);
	KT_EQ(ktotal_pages(), (last - first) / PGSIZE - fdt_pages);
	KT_ASSERT(kfree_pages() <= ktotal_pages());
	/* What the kernel took so far beyond the vDSO's shared data (page
	 * tables, stacks) is small. */
	uint64_t code, local, shared;
	kvdso_sizes(&code, &local, &shared);
	KT_ASSERT(ktotal_pages() - kfree_pages() < 512 + shared / PGSIZE);
	return 0;
}

/* A damaged device tree is refused with an error, not a crash. */
int test_fdt_reject(void)
{
	struct bootinfo bi;
	size_t n = bootinfo.fdt_size;
	uint8_t *copy = kmalloc(n);
	KT_ASSERT(copy != NULL);
	memcpy(copy, (void *)bootinfo.fdt_base, n);
	KT_EQ(fdt_parse(copy, n, &bi), 0);
	KT_EQ(bi.ncpu, bootinfo.ncpu);
	KT_EQ(bi.ram_size, bootinfo.ram_size);
	KT_EQ(bi.uart_base, bootinfo.uart_base);

	copy[0] ^= 0xff; /* bad magic */
	KT_ASSERT(fdt_parse(copy, n, &bi) < 0);
	copy[0] ^= 0xff;
	copy[15] = 0xff; /* off_dt_struct far past the end */
	copy[14] = 0xff;
	KT_ASSERT(fdt_parse(copy, n, &bi) < 0);
	memcpy(copy, (void *)bootinfo.fdt_base, n);
	/* Every structure-block word turned into an unknown token. */
	uint32_t off = __builtin_bswap32(*(uint32_t *)(copy + 8));
	memset(copy + off + 8, 0x77, 4);
	KT_ASSERT(fdt_parse(copy, n, &bi) < 0);
	kfree_obj(copy);
	return 0;
}
