/*
 * Host test of the ELF checker (kernel/elf.c) on a real user program, the
 * same damaged images the kernel test uses, and a mutation fuzz under
 * AddressSanitizer: every image is refused or obeys the loader's rules.
 */
#include <elf.h>
#include <string.h>
#include "htest.h"
#include "defs.h"
#include "memlayout.h"

/* elf_load's helpers: not used by elf_check. */
int uvm_alloc(pagetable_t pt, uint64_t va, uint64_t size, uint64_t perm)
{
	(void)pt, (void)va, (void)size, (void)perm;
	abort();
}

void uvm_fill(pagetable_t pt, uint64_t va, const void *src, size_t n)
{
	(void)pt, (void)va, (void)src, (void)n;
	abort();
}

static Elf64_Phdr *nth_load(void *img, int nth)
{
	Elf64_Ehdr *eh = img;
	Elf64_Phdr *ph = (Elf64_Phdr *)((char *)img + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && nth-- == 0)
			return &ph[i];
	return NULL;
}

static int check(void *img, size_t n)
{
	uint64_t entry, end;
	/* Exactly n bytes, so AddressSanitizer sees any read past the end. */
	void *exact = malloc(n ? n : 1);
	memcpy(exact, img, n);
	int r = elf_check(exact, n, &entry, &end);
	free(exact);
	return r;
}

static void test_damaged(uint8_t *img, size_t n)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	CHECK_EQ(check(img, n), 0);
	CHECK_EQ(check(img, 40), -VDS_ENOEXEC);
	CHECK_EQ(check(img, eh->e_phoff + 8), -VDS_ENOEXEC);
	Elf64_Phdr *text = nth_load(img, 0), *data = nth_load(img, 2);
	CHECK(text && data);
	CHECK_EQ(check(img, text->p_offset + 1), -VDS_ENOEXEC);
	eh->e_machine = EM_X86_64;
	CHECK_EQ(check(img, n), -VDS_ENOEXEC);
	eh->e_machine = EM_RISCV;
	uint64_t save = data->p_vaddr;
	data->p_vaddr = text->p_vaddr + 16;
	CHECK_EQ(check(img, n), -VDS_ENOEXEC);
	data->p_vaddr = ~0UL - 0x100;
	CHECK_EQ(check(img, n), -VDS_ENOEXEC);
	data->p_vaddr = save;
	text->p_flags |= PF_W;
	CHECK_EQ(check(img, n), -VDS_ENOEXEC);
	text->p_flags &= ~PF_W;
	CHECK_EQ(check(img, n), 0);
	ht_report("elf: truncated, wrong machine, overlapping, W+X refused");
}

/* Whatever elf_check accepts obeys the rules the loader relies on. */
static void check_invariants(const uint8_t *img, size_t n)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(img + eh->e_phoff);
	CHECK(eh->e_phoff + eh->e_phnum * sizeof(Elf64_Phdr) <= n);
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || ph[i].p_memsz == 0)
			continue;
		CHECK(ph[i].p_offset + ph[i].p_filesz <= n);
		CHECK(ph[i].p_vaddr >= USER_BASE && ph[i].p_vaddr + ph[i].p_memsz <= USTACK_TOP);
		CHECK(!((ph[i].p_flags & PF_W) && (ph[i].p_flags & PF_X)));
	}
}

static void fuzz(const uint8_t *orig, size_t n)
{
	uint8_t *img = malloc(n);
	int accepted = 0;
	srand(4242);
	size_t hot = ((const Elf64_Ehdr *)orig)->e_phoff + 8 * sizeof(Elf64_Phdr);
	for (int iter = 0; iter < 50000; iter++) {
		memcpy(img, orig, n);
		int flips = 1 + rand() % 4;
		for (int k = 0; k < flips; k++)
			img[(size_t)rand() % hot] = (uint8_t)rand(); /* header and phdrs */
		size_t len = (rand() % 8 == 0) ? (size_t)rand() % n : n;
		if (check(img, len) == 0) {
			accepted++;
			check_invariants(img, len);
		}
	}
	free(img);
	printf("    # fuzz: %d of 50000 damaged images still valid\n", accepted);
	ht_report("elf: 50000 damaged images, no out-of-bounds read");
}

int main(int argc, char **argv)
{
	size_t n;
	uint8_t *img = argc > 1 ? ht_read_file(argv[1], &n) : NULL;
	printf("1..2\n");
	if (img == NULL) {
		printf("not ok 1 elf: cannot read %s\n", argc > 1 ? argv[1] : "(no file given)");
		return 1;
	}
	test_damaged(img, n);
	fuzz(img, n);
	free(img);
	return 0;
}
