/*
 * The ELF loader. A program image is untrusted input: every field is checked
 * before use, and a bad image gives -VDS_ENOEXEC (never a fault). Accepted:
 * static RISC-V 64-bit executables whose PT_LOAD segments lie in user space,
 * do not overlap (page-wise), and are not both writable and executable.
 */
#include <elf.h>
#include <string.h>
#include "defs.h"
#include "memlayout.h"

/* elf_check() is pure: tests/host builds this file with stand-ins for the rest. */

#define MAX_PHNUM 16

static uint64_t seg_perm(uint32_t flags)
{
	uint64_t perm = PTE_U;
	if (flags & PF_R)
		perm |= PTE_R;
	if (flags & PF_W)
		perm |= PTE_W;
	if (flags & PF_X)
		perm |= PTE_X;
	return perm;
}

static int check_header(const Elf64_Ehdr *eh, size_t size)
{
	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
		return -VDS_ENOEXEC;
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_type != ET_EXEC ||
	    eh->e_machine != EM_RISCV || eh->e_version != EV_CURRENT)
		return -VDS_ENOEXEC;
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 || eh->e_phnum > MAX_PHNUM)
		return -VDS_ENOEXEC;
	if (eh->e_phoff > size || (size - eh->e_phoff) / sizeof(Elf64_Phdr) < eh->e_phnum)
		return -VDS_ENOEXEC;
	if (eh->e_phoff % 8)
		return -VDS_ENOEXEC;
	return 0;
}

/* One PT_LOAD segment, checked on its own. */
static int check_segment(const Elf64_Phdr *ph, size_t size)
{
	if (ph->p_filesz > ph->p_memsz || ph->p_offset > size || ph->p_filesz > size - ph->p_offset)
		return -VDS_ENOEXEC;
	/* Each test also keeps the sum below from overflowing. */
	if (ph->p_vaddr < USER_BASE || ph->p_vaddr > USER_BASE + MAX_USER_ELF ||
	    ph->p_memsz > MAX_USER_ELF || ph->p_vaddr + ph->p_memsz > USER_BASE + MAX_USER_ELF)
		return -VDS_ENOEXEC;
	if ((ph->p_flags & PF_W) && (ph->p_flags & PF_X))
		return -VDS_ENOEXEC; /* W^X in user space too */
	return 0;
}

/*
 * Check every segment, that no two share a page, and that the entry point is
 * in an executable one. On success *end is the first page above the image.
 */
int elf_check(const void *image, size_t size, uint64_t *entry, uint64_t *end)
{
	const Elf64_Ehdr *eh = image;
	int r = check_header(eh, size);
	if (r < 0)
		return r;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)((const char *)image + eh->e_phoff);
	int nload = 0, entry_ok = 0;
	*end = 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_INTERP || ph[i].p_type == PT_DYNAMIC)
			return -VDS_ENOEXEC; /* static programs only */
		if (ph[i].p_type != PT_LOAD || ph[i].p_memsz == 0)
			continue;
		if ((r = check_segment(&ph[i], size)) < 0)
			return r;
		uint64_t lo = PGROUNDDOWN(ph[i].p_vaddr),
		         hi = PGROUNDUP(ph[i].p_vaddr + ph[i].p_memsz);
		for (int j = 0; j < i; j++) {
			if (ph[j].p_type != PT_LOAD || ph[j].p_memsz == 0)
				continue;
			uint64_t lo2 = PGROUNDDOWN(ph[j].p_vaddr);
			uint64_t hi2 = PGROUNDUP(ph[j].p_vaddr + ph[j].p_memsz);
			if (lo < hi2 && lo2 < hi)
				return -VDS_ENOEXEC; /* overlapping segments */
		}
		if ((ph[i].p_flags & PF_X) && eh->e_entry >= ph[i].p_vaddr &&
		    eh->e_entry < ph[i].p_vaddr + ph[i].p_memsz)
			entry_ok = 1;
		if (hi > *end)
			*end = hi;
		nload++;
	}
	if (nload == 0 || !entry_ok)
		return -VDS_ENOEXEC;
	*entry = eh->e_entry;
	return 0;
}

/* Check, then map and fill every segment of image into pt. */
int elf_load(pagetable_t pt, const void *image, size_t size, uint64_t *entry, uint64_t *end)
{
	int r = elf_check(image, size, entry, end);
	if (r < 0)
		return r;
	const Elf64_Ehdr *eh = image;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)((const char *)image + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || ph[i].p_memsz == 0)
			continue;
		uint64_t lo = PGROUNDDOWN(ph[i].p_vaddr);
		uint64_t hi = PGROUNDUP(ph[i].p_vaddr + ph[i].p_memsz);
		if ((r = uvm_alloc(pt, lo, hi - lo, seg_perm(ph[i].p_flags))) < 0)
			return r;
		uvm_fill(pt, ph[i].p_vaddr, (const char *)image + ph[i].p_offset, ph[i].p_filesz);
	}
	return 0;
}
