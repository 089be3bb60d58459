/*
 * Host test of kernel/fdt.c against the device tree QEMU really generates
 * (dumped with -machine dumpdtb for -smp 4 -m 256M), then a mutation fuzz:
 * a damaged blob must give an error or a result, never an out-of-bounds read
 * (built with AddressSanitizer and UBSan).
 */
#include <string.h>
#include "htest.h"
#include "fdt.h"

static void test_real_tree(const void *dtb, size_t n)
{
	struct bootinfo bi;
	CHECK_EQ(fdt_parse(dtb, n, &bi), 0);
	CHECK_EQ(bi.ncpu, 4);
	CHECK_EQ(bi.ram_base, 0x80000000UL);
	CHECK_EQ(bi.ram_size, 256UL << 20);
	CHECK_EQ(bi.timebase_hz, 10000000);
	CHECK_EQ(bi.uart_base, 0x10000000);
	CHECK_EQ(bi.uart_irq, 10);
	CHECK_EQ(bi.plic_base, 0xc000000);
	CHECK_EQ(bi.test_base, 0x100000);
	CHECK(bi.plic_ndev > bi.uart_irq);
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(bi.hartid[i], i);
		CHECK_EQ(bi.plic_context[i], 2 * i + 1); /* QEMU virt: M and S context per hart */
	}
	CHECK(strcmp(bi.bootargs, "test ncpu=4 mem=256") == 0);
	CHECK(bi.rng_seed_len == 32);
	ht_report("fdt: QEMU's tree read right");
}

/* The header's totalsize (QEMU's dump is padded beyond it). */
static size_t total_size(const uint8_t *dtb)
{
	return ((size_t)dtb[4] << 24) | ((size_t)dtb[5] << 16) | ((size_t)dtb[6] << 8) | dtb[7];
}

static void test_bounds(const void *dtb, size_t n)
{
	struct bootinfo bi;
	size_t total = total_size(dtb);
	CHECK(total <= n);
	CHECK_EQ(fdt_parse(dtb, total, &bi), 0);
	CHECK(fdt_parse(dtb, total - 1, &bi) < 0); /* totalsize larger than the buffer */
	CHECK(fdt_parse(dtb, 10, &bi) < 0);
	ht_report("fdt: blob larger than its buffer refused");
}

static void fuzz(const uint8_t *dtb, size_t n)
{
	n = total_size(dtb); /* damage only the blob, not the padding after it */
	uint8_t *copy = malloc(n);
	int ok = 0, refused = 0;
	srand(12345);
	for (int iter = 0; iter < 20000; iter++) {
		memcpy(copy, dtb, n);
		int flips = 1 + rand() % 8;
		for (int k = 0; k < flips; k++)
			copy[(size_t)rand() % n] = (uint8_t)rand();
		struct bootinfo bi;
		if (fdt_parse(copy, n, &bi) == 0) {
			ok++;
			CHECK(bi.ncpu >= 1 && bi.ncpu <= NCPU_MAX);
			CHECK(bi.bootargs[BOOTARGS_MAX - 1] == '\0');
		} else {
			refused++;
		}
	}
	free(copy);
	printf("    # fuzz: %d parsed, %d refused\n", ok, refused);
	CHECK(refused > 0);
	ht_report("fdt: 20000 damaged blobs, no crash");
}

int main(int argc, char **argv)
{
	size_t n;
	void *dtb = argc > 1 ? ht_read_file(argv[1], &n) : NULL;
	printf("1..3\n");
	if (dtb == NULL) {
		printf("not ok 1 fdt: cannot read %s\n", argc > 1 ? argv[1] : "(no file given)");
		return 1;
	}
	test_real_tree(dtb, n);
	test_bounds(dtb, n);
	fuzz(dtb, n);
	free(dtb);
	return 0;
}
