/*
 * The vDSO in the kernel. The image (build/vdso/vdso.so) is embedded in the
 * kernel's rodata, page-aligned. At boot the kernel checks its segments,
 * allocates the shared-data pages, maps the image for itself at KVDSO_BASE
 * and links its function table against that mapping. Each process then gets
 * the image at a random base:
 *
 *   code    the image's own pages (the same physical pages everywhere), R-X
 *   local   a private copy: .data from the image, .bss zeroed, RW
 *   shared  the pages allocated at boot (the same everywhere), part by part:
 *           kernel-owned R, its own outbox RW, other outboxes R, public RW
 *           (vdso/shared.h says which part is which)
 *
 * and the identity block (struct vds_self) at the start of its local data.
 */
#include <elf.h>
#include <string.h>
#include "defs.h"
#include "fdt.h"
#include "memlayout.h"
#include "../vdso/shared.h"
#include "vdso/offsets.h"

struct vds_kapi kvds;

extern const uint8_t vdso_image[], vdso_image_end[]; /* kernel/vdso_image.S */

static struct {
	uint64_t code_pages;
	uint64_t local_va, local_off, local_filesz, local_pages;
	uint64_t shared_va, shared_pages;
	uint64_t span; /* bytes from the base to the end of shared data */
	uint64_t *shared_pa;
	struct vds_shared_area *sh; /* the kernel's view of the shared data */
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
	if (PGROUNDUP(shared->p_memsz) != PGROUNDUP(sizeof(struct vds_shared_area)))
		return -6; /* the image and this kernel disagree on vdso/shared.h */
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

/*
 * Permissions of shared page i for the process in `slot` (0: the kernel,
 * which may write everything). Processes may read the kernel-owned part
 * and every outbox, write their own outbox and the public part.
 */
static uint64_t shared_perm(uint64_t i, int slot)
{
	uint64_t off = i * PGSIZE;
	if (slot == 0)
		return PTE_R | PTE_W;
	if (off < VDS_SH_KOWNED_END)
		return PTE_R | PTE_U;
	if (off < VDS_SH_PUBLIC)
		return off >= VDS_SH_OUTBOX(slot) && off < VDS_SH_OUTBOX(slot + 1)
		           ? PTE_R | PTE_W | PTE_U
		           : PTE_R | PTE_U;
	return PTE_R | PTE_W | PTE_U;
}

_Static_assert(VDS_SH_KOWNED_END % PGSIZE == 0 && VDS_SH_PUBLIC % PGSIZE == 0 &&
                   sizeof(struct vds_outbox) % PGSIZE == 0,
               "the parts of the shared data are whole pages");

/* Map the image at base in pt for the process in slot (0: the kernel).
 * *self gets the kernel address of this mapping's identity block. */
static int map_image(pagetable_t pt, uint64_t base, int slot, struct vds_self **self)
{
	uint64_t u = slot ? PTE_U : 0;
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
		             shared_perm(i, slot) | PTE_SHARED) < 0)
			return -VDS_ENOMEM;
	return 0;
}

static void fill_self(struct vds_self *self, int pid, int slot, uint64_t base)
{
	if (self->magic != VDS_SELF_MAGIC)
		panic("vdso: identity block not at the start of local data");
	self->pid = pid;
	self->slot = (uint32_t)slot;
	self->ncpu = (uint32_t)ncpu;
	self->timebase_hz = (uint32_t)bootinfo.timebase_hz;
	self->base = base;
}

/* ns = ticks * mult >> 32, as vds_clock_ns() computes it. */
static void set_clock(struct vds_clock *c)
{
	c->hz = bootinfo.timebase_hz;
	c->mult = (uint64_t)(((unsigned __int128)1000000000ULL << 32) / bootinfo.timebase_hz);
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
	fill_self(self, 0, 0, KVDSO_BASE);
	img.sh = (struct vds_shared_area *)(KVDSO_BASE + img.shared_va);
	set_clock(&img.sh->k.clock);
	const char *missing;
	if (vds_link(KVDSO_BASE, &vds, &missing) < 0)
		panic("vdso: kernel cannot resolve %s", missing);
#define VDS_FN(ret, name, params) kvds.name = (ret(*) params)(KVDSO_BASE + VDSO_KAPI_##name);
#include "../vdso/kapi.def"
#undef VDS_FN
	if (VDS(init)(host) < 0)
		panic("vdso: init failed");
}

/* Where the kernel's view of the vDSO is, for debuggers (scripts/gdbinit.in). */
__attribute__((used, retain)) const uint64_t kvdso_base = KVDSO_BASE;

/* vdsobase=ADDR on the command line: every process's vDSO at ADDR, for
 * debugging (docs/DEBUGGING.md). 0: random. */
static uint64_t fixed_base(void)
{
	static int known;
	static uint64_t base;
	if (!known) {
		uint64_t b = bootargs_num("vdsobase", 0);
		if (b != 0 && (b % PGSIZE != 0 || b < UVDSO_MIN || b >= UVDSO_MAX - img.span))
			kprintf("vdso: vdsobase=0x%lx ignored: not a page in [0x%lx, 0x%lx)\n", b,
			        UVDSO_MIN, UVDSO_MAX - img.span);
		else
			base = b;
		known = 1;
	}
	return base;
}

/* Map the vDSO into p at a random base (never the kernel's; fixed with
 * vdsobase=) and fill its identity block. On failure, the caller's
 * teardown frees what was mapped. */
int kvdso_map_user(struct proc *p)
{
	uint64_t slots = (UVDSO_MAX - UVDSO_MIN - img.span) / PGSIZE;
	uint64_t base = fixed_base() ? fixed_base() : UVDSO_MIN + (krandom() % slots) * PGSIZE;
	struct vds_self *self;
	int r = map_image(p->pagetable, base, p->slot, &self);
	if (r < 0)
		return r;
	fill_self(self, p->pid, p->slot, base);
	p->vdso_base = base;
	if (kvdso_verbose)
		kprintf("bench: vdso pid %d %s base 0x%lx\n", p->pid, p->name, base);
	return 0;
}

int kvdso_verbose; /* print each process's vDSO base (make profile) */

/* The kernel's view of the shared data (vdso/shared.h). */
struct vds_shared_area *kvdso_shared(void)
{
	return img.sh;
}

/*
 * Hand p's slot's outbox to p: wiped (no message and no claim of the last
 * owner survives; p numbers its messages on from the last owner's), then
 * named p's in the kernel-owned table, where receivers see the new owner.
 * The kernel's outbox toward the slot is wiped too.
 */
void kvdso_outbox_give(struct proc *p)
{
	struct vds_outbox *ob = &img.sh->outbox[p->slot];
	uint64_t top = 0;
	for (int k = 0; k < VDS_OUTBOX_SLOTS; k++)
		if (ob->slot[k].seq > top)
			top = ob->slot[k].seq;
	memset(ob, 0, sizeof(*ob));
	ob->hdr.seq_base = top; /* the new owner numbers on from the old one's last */
	memset(&img.sh->kbox[p->slot], 0, sizeof(img.sh->kbox[p->slot]));
	/* release: the wiped outbox before the new owner's name; pairs with
	 * the acquire in the vDSO's q_accept() (vdso/outbox.h). */
	__atomic_store_n(&img.sh->k.ob_pid[p->slot], p->pid, __ATOMIC_RELEASE);
}

/*
 * p is being torn down: cancel the cells it claimed and never published.
 * What it did publish stays valid, and still p's, until its slot is given
 * to another process (kvdso_outbox_give wipes it): a message outlives its
 * sender, as a letter does.
 */
void kvdso_outbox_reap(struct proc *p)
{
	KVDS(q_reap_slot)((uint32_t)p->slot);
}

/* Bytes of the image in each part (for the bench and the boot tests). */
void kvdso_sizes(uint64_t *code, uint64_t *local, uint64_t *shared)
{
	*code = img.code_pages * PGSIZE;
	*local = img.local_pages * PGSIZE;
	*shared = img.shared_pages * PGSIZE;
}
