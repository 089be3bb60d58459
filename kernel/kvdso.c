/*
 * The vDSO in the kernel. The image (build/vdso/vdso.so) is embedded in the
 * kernel's rodata, page-aligned. At boot the kernel checks its segments,
 * allocates the shared-data pages, maps the image for itself at KVDSO_BASE
 * and links its function table against that mapping. Each process then gets
 * the image at a random base:
 *
 *   code    the image's own pages (the same physical pages everywhere), R-X
 *   local   a private copy: .data from the image, .bss zeroed, RW
 *   shared  the pages allocated at boot (the same everywhere), RW
 *
 * and the identity block (struct vds_self) at the start of its local data.
 */
#include <elf.h>
#include <string.h>
#include "defs.h"
#include "fdt.h"
#include "memlayout.h"
#include "../vdso/self.h"

extern const uint8_t vdso_image[], vdso_image_end[]; /* build/vdso_image.S */

static struct {
	uint64_t code_pages;
	uint64_t local_va, local_off, local_filesz, local_pages;
	uint64_t shared_va, shared_pages;
	uint64_t span; /* bytes from the base to the end of shared data */
	uint64_t *shared_pa;
} img;

/* Our own build artifact, but checked as carefully as any image. */
static int parse_image(void)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)vdso_image;
	uint64_t size = (uint64_t)(vdso_image_end - vdso_image);
	if ((uint64_t)vdso_image % PGSIZE || size < sizeof(*eh) ||
	    memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_machine != EM_RISCV ||
	    eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    eh->e_phoff + eh->e_phnum * sizeof(Elf64_Phdr) > size)
		return -1;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(vdso_image + eh->e_phoff), *load[3];
	int n = 0;
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && n < 3)
			load[n++] = &ph[i];
	if (n != 3)
		return -2;
	const Elf64_Phdr *code = load[0], *local = load[1], *shared = load[2];
	if (code->p_vaddr != 0 || code->p_offset != 0 || code->p_flags != (PF_R | PF_X) ||
	    code->p_filesz > size || local->p_flags != (PF_R | PF_W) ||
	    shared->p_flags != (PF_R | PF_W) || shared->p_filesz != 0)
		return -3;
	if (local->p_vaddr % PGSIZE || local->p_offset % PGSIZE || shared->p_vaddr % PGSIZE ||
	    local->p_vaddr < PGROUNDUP(code->p_memsz) ||
	    shared->p_vaddr < PGROUNDUP(local->p_vaddr + local->p_memsz) ||
	    local->p_offset + local->p_filesz > size || local->p_filesz > local->p_memsz)
		return -4;
	img.code_pages = PGROUNDUP(code->p_memsz) / PGSIZE;
	img.local_va = local->p_vaddr;
	img.local_off = local->p_offset;
	img.local_filesz = local->p_filesz;
	img.local_pages = PGROUNDUP(local->p_memsz) / PGSIZE;
	img.shared_va = shared->p_vaddr;
	img.shared_pages = PGROUNDUP(shared->p_memsz) / PGSIZE;
	img.span = shared->p_vaddr + img.shared_pages * PGSIZE;
	if (img.code_pages * PGSIZE > PGROUNDUP(size))
		return -5;
	return 0;
}

/* Map the image at base in pt; u is PTE_U for a process, 0 for the kernel.
 * *self gets the kernel address of this mapping's identity block. */
static int map_image(pagetable_t pt, uint64_t base, uint64_t u, struct vds_self **self)
{
	for (uint64_t i = 0; i < img.code_pages; i++)
		if (mappages(pt, base + i * PGSIZE, PGSIZE, (uint64_t)vdso_image + i * PGSIZE,
		             PTE_R | PTE_X | u | PTE_SHARED) < 0)
			return -VDS_ENOMEM;
	for (uint64_t i = 0; i < img.local_pages; i++) {
		uint8_t *pa = kalloc(); /* zeroed: .bss needs nothing more */
		if (pa == NULL)
			return -VDS_ENOMEM;
		if (mappages(pt, base + img.local_va + i * PGSIZE, PGSIZE, (uint64_t)pa,
		             PTE_R | PTE_W | u) < 0) {
			kfree(pa);
			return -VDS_ENOMEM;
		}
		uint64_t off = i * PGSIZE;
		if (off < img.local_filesz) {
			uint64_t n =
			    img.local_filesz - off < PGSIZE ? img.local_filesz - off : PGSIZE;
			memcpy(pa, vdso_image + img.local_off + off, n);
		}
		if (i == 0)
			*self = (struct vds_self *)pa;
	}
	for (uint64_t i = 0; i < img.shared_pages; i++)
		if (mappages(pt, base + img.shared_va + i * PGSIZE, PGSIZE, img.shared_pa[i],
		             PTE_R | PTE_W | u | PTE_SHARED) < 0)
			return -VDS_ENOMEM;
	return 0;
}

static void fill_self(struct vds_self *self, int pid, int slot, uint64_t base,
                      const uint64_t key[2])
{
	if (self->magic != VDS_SELF_MAGIC)
		panic("vdso: identity block not at the start of local data");
	self->pid = pid;
	self->slot = (uint32_t)slot;
	self->ncpu = (uint32_t)ncpu;
	self->timebase_hz = (uint32_t)bootinfo.timebase_hz;
	self->base = base;
	self->key[0] = key[0];
	self->key[1] = key[1];
}

void kvdso_init(const struct vds_host_ops *host)
{
	int r = parse_image();
	if (r < 0)
		panic("vdso: embedded image malformed (%d)", r);
	img.shared_pa = kmalloc(img.shared_pages * sizeof(uint64_t));
	if (img.shared_pa == NULL)
		panic("vdso: no memory");
	for (uint64_t i = 0; i < img.shared_pages; i++)
		if ((img.shared_pa[i] = (uint64_t)kalloc()) == 0)
			panic("vdso: no memory for shared data");
	struct vds_self *self;
	if (map_image(kernel_pagetable, KVDSO_BASE, 0, &self) < 0)
		panic("vdso: cannot map");
	sfence_vma();
	static const uint64_t no_key[2]; /* the kernel authenticates no one to itself */
	fill_self(self, 0, 0, KVDSO_BASE, no_key);
	const char *missing;
	if (vds_link(KVDSO_BASE, &vds, &missing) < 0)
		panic("vdso: kernel cannot resolve %s", missing);
	if (VDS(init)(host) < 0)
		panic("vdso: init failed");
}

/* Map the vDSO into p at a random base (never the kernel's) and fill its
 * identity block. On failure, the caller's teardown frees what was mapped. */
int kvdso_map_user(struct proc *p)
{
	uint64_t slots = (UVDSO_MAX - UVDSO_MIN - img.span) / PGSIZE;
	uint64_t base = UVDSO_MIN + (krandom() % slots) * PGSIZE;
	struct vds_self *self;
	int r = map_image(p->pagetable, base, PTE_U, &self);
	if (r < 0)
		return r;
	p->key[0] = krandom();
	p->key[1] = krandom();
	fill_self(self, p->pid, p->slot, base, p->key);
	p->vdso_base = base;
	return 0;
}

/* Bytes of the image in each part (for the boot line and the bench). */
void kvdso_sizes(uint64_t *code, uint64_t *local, uint64_t *shared)
{
	*code = img.code_pages * PGSIZE;
	*local = img.local_pages * PGSIZE;
	*shared = img.shared_pages * PGSIZE;
}
