/*
 * Sv39 page tables: the kernel's (identity-mapped RAM and devices, W^X), and
 * each process's. The kernel never dereferences a user pointer: copyin and
 * copyout walk the process's page table and go through the identity map.
 */
#include <string.h>
#include "defs.h"
#include "fdt.h"
#include "memlayout.h"

extern char __kernel_start[], __text_end[], __rodata_end[], __kernel_end[], __trampoline[];

pagetable_t kernel_pagetable;
uint64_t kernel_satp; /* read by _start_secondary before it has a stack */

/* The PTE for va at level 0, creating intermediate tables if alloc. NULL if
 * absent (or out of memory). A megapage leaf on the way is returned as is. */
pte_t *walk(pagetable_t pt, uint64_t va, int alloc)
{
	if (va >= MAXVA)
		return NULL;
	for (int level = 2; level > 0; level--) {
		pte_t *pte = &pt[PX(level, va)];
		if (*pte & PTE_V) {
			if (*pte & (PTE_R | PTE_W | PTE_X))
				return pte; /* superpage leaf */
			pt = (pagetable_t)PTE2PA(*pte);
		} else {
			if (!alloc || (pt = kalloc()) == NULL)
				return NULL;
			*pte = PA2PTE(pt) | PTE_V;
		}
	}
	return &pt[PX(0, va)];
}

/* Map [va, va+size) to pa with 4 KiB leaves. Returns 0 or -VDS_ENOMEM. */
int mappages(pagetable_t pt, uint64_t va, uint64_t size, uint64_t pa, uint64_t perm)
{
	uint64_t a = PGROUNDDOWN(va), last = PGROUNDDOWN(va + size - 1);
	for (;; a += PGSIZE, pa += PGSIZE) {
		pte_t *pte = walk(pt, a, 1);
		if (pte == NULL)
			return -VDS_ENOMEM;
		if (*pte & PTE_V)
			panic("mappages: remap of %p", (void *)a);
		*pte = PA2PTE(pa) | perm | PTE_V | PTE_A | PTE_D;
		if (a == last)
			return 0;
	}
}

/* Kernel mappings use 2 MiB leaves where alignment allows: fewer tables. */
static void kvmmap(uint64_t va, uint64_t pa, uint64_t size, uint64_t perm)
{
	uint64_t end = va + size;
	while (va < end) {
		if (va % MEGAPAGE == 0 && pa % MEGAPAGE == 0 && end - va >= MEGAPAGE) {
			pte_t *l1 = &kernel_pagetable[PX(2, va)];
			if (!(*l1 & PTE_V)) {
				void *t = kalloc();
				if (t == NULL)
					panic("kvmmap: out of memory");
				*l1 = PA2PTE(t) | PTE_V;
			}
			pte_t *pte = &((pagetable_t)PTE2PA(*l1))[PX(1, va)];
			*pte = PA2PTE(pa) | perm | PTE_V | PTE_A | PTE_D;
			va += MEGAPAGE;
			pa += MEGAPAGE;
		} else {
			if (mappages(kernel_pagetable, va, PGSIZE, pa, perm) < 0)
				panic("kvmmap: out of memory");
			va += PGSIZE;
			pa += PGSIZE;
		}
	}
}

void kvminit(void)
{
	kernel_pagetable = kalloc();
	uint64_t kstart = (uint64_t)__kernel_start;
	uint64_t ram_end = bootinfo.ram_base + bootinfo.ram_size;

	/* Devices at the addresses the device tree gave: a page each for the
	 * UART and the exit device, the PLIC's whole range. */
	kvmmap(PGROUNDDOWN(bootinfo.uart_base), PGROUNDDOWN(bootinfo.uart_base), PGSIZE,
	       PTE_R | PTE_W);
	if (bootinfo.test_base)
		kvmmap(bootinfo.test_base, bootinfo.test_base, PGSIZE, PTE_R | PTE_W);
	kvmmap(bootinfo.plic_base, bootinfo.plic_base, PGROUNDUP(bootinfo.plic_size),
	       PTE_R | PTE_W);

	/* The image, W^X: text R-X, rodata R, data and bss RW. */
	kvmmap(kstart, kstart, (uint64_t)__text_end - kstart, PTE_R | PTE_X);
	kvmmap((uint64_t)__text_end, (uint64_t)__text_end,
	       (uint64_t)__rodata_end - (uint64_t)__text_end, PTE_R);
	kvmmap((uint64_t)__rodata_end, (uint64_t)__rodata_end,
	       PGROUNDUP((uint64_t)__kernel_end) - (uint64_t)__rodata_end, PTE_R | PTE_W);
	/* The rest of RAM (heap, free pages, device tree): RW, never X. */
	uint64_t rest = PGROUNDUP((uint64_t)__kernel_end);
	kvmmap(rest, rest, ram_end - rest, PTE_R | PTE_W);

	kvmmap(TRAMPOLINE, (uint64_t)__trampoline, PGSIZE, PTE_R | PTE_X);
	kernel_satp = MAKE_SATP(kernel_pagetable);
}

/* Turn paging on for this hart. */
void kvminithart(void)
{
	sfence_vma();
	csr_write(satp, kernel_satp);
	sfence_vma();
}

/* ---- kernel stacks: pages mapped in a window, each above an unmapped guard page ---- */

#define KSTACK_SLOT_PAGES (KCORO_STACK_PAGES + 1)
#define KSTACK_SLOTS      256

static struct spinlock kstack_lock = SPINLOCK_INIT("kstack");
static uint8_t kstack_used[KSTACK_SLOTS];

/* A stack of npages (at most KCORO_STACK_PAGES); returns its lowest address. */
void *kstack_alloc(size_t npages)
{
	if (npages == 0 || npages > KCORO_STACK_PAGES)
		return NULL;
	acquire(&kstack_lock);
	int slot = -1;
	for (int i = 0; i < KSTACK_SLOTS; i++) {
		if (!kstack_used[i]) {
			kstack_used[i] = 1;
			slot = i;
			break;
		}
	}
	release(&kstack_lock);
	if (slot < 0)
		return NULL;
	/* The slot's first page stays unmapped: an overflow faults instead of corrupting. */
	uint64_t top = KSTACK_BASE + (uint64_t)(slot + 1) * KSTACK_SLOT_PAGES * PGSIZE;
	uint64_t lo = top - npages * PGSIZE;
	for (uint64_t va = lo; va < top; va += PGSIZE) {
		void *pa = kalloc();
		if (pa == NULL ||
		    mappages(kernel_pagetable, va, PGSIZE, (uint64_t)pa, PTE_R | PTE_W) < 0) {
			if (pa)
				kfree(pa);
			kstack_free((void *)lo, (size_t)(va - lo) / PGSIZE, slot);
			return NULL;
		}
	}
	sfence_vma();
	return (void *)lo;
}

/* Kernel stacks in use (tests compare before and after). */
int kstack_in_use(void)
{
	int n = 0;
	acquire(&kstack_lock);
	for (int i = 0; i < KSTACK_SLOTS; i++)
		n += kstack_used[i];
	release(&kstack_lock);
	return n;
}

/* Unmap and free npages mapped from lo, then free their slot (slot < 0: the
 * one lo lies in). */
void kstack_free(void *lo, size_t npages, int slot)
{
	uint64_t a = (uint64_t)lo;
	for (size_t i = 0; i < npages; i++, a += PGSIZE) {
		pte_t *pte = walk(kernel_pagetable, a, 0);
		if (pte == NULL || !(*pte & PTE_V))
			panic("kstack_free: %p not mapped", (void *)a);
		kfree((void *)PTE2PA(*pte));
		*pte = 0;
	}
	sbi_remote_sfence_vma_all(); /* other harts may hold the old translation */
	if (slot < 0)
		slot = (int)(((uint64_t)lo - KSTACK_BASE) / (KSTACK_SLOT_PAGES * PGSIZE));
	acquire(&kstack_lock);
	kstack_used[slot] = 0;
	release(&kstack_lock);
}

/* ---- process page tables ---- */

/* A new process page table with the trampoline mapped. NULL if out of memory. */
pagetable_t uvm_create(void)
{
	pagetable_t pt = kalloc();
	if (pt == NULL)
		return NULL;
	if (mappages(pt, TRAMPOLINE, PGSIZE, (uint64_t)__trampoline, PTE_R | PTE_X | PTE_SHARED) <
	    0) {
		uvm_free(pt);
		return NULL;
	}
	return pt;
}

/* Map zeroed private pages over [va, va+size) with perm. */
int uvm_alloc(pagetable_t pt, uint64_t va, uint64_t size, uint64_t perm)
{
	for (uint64_t a = PGROUNDDOWN(va); a < va + size; a += PGSIZE) {
		void *pa = kalloc();
		if (pa == NULL)
			return -VDS_ENOMEM;
		if (mappages(pt, a, PGSIZE, (uint64_t)pa, perm) < 0) {
			kfree(pa);
			return -VDS_ENOMEM;
		}
	}
	return 0;
}

/* Unmap [va, va+size); free the pages this table owns. */
void uvm_unmap(pagetable_t pt, uint64_t va, uint64_t size)
{
	for (uint64_t a = PGROUNDDOWN(va); a < va + size; a += PGSIZE) {
		pte_t *pte = walk(pt, a, 0);
		if (pte == NULL || !(*pte & PTE_V))
			continue;
		if (!(*pte & PTE_SHARED))
			kfree((void *)PTE2PA(*pte));
		*pte = 0;
	}
}

static void freewalk(pagetable_t pt, int level)
{
	for (int i = 0; i < 512; i++) {
		pte_t pte = pt[i];
		if (!(pte & PTE_V))
			continue;
		if (level > 0 && !(pte & (PTE_R | PTE_W | PTE_X)))
			freewalk((pagetable_t)PTE2PA(pte), level - 1);
		else if (!(pte & PTE_SHARED))
			kfree((void *)PTE2PA(pte));
	}
	kfree(pt);
}

/* Free every page the table owns, then the table itself. */
void uvm_free(pagetable_t pt)
{
	freewalk(pt, 2);
}

/* Physical address of user byte va if its page has PTE_U and all of want's
 * permission bits, else 0. */
uint64_t uvm_translate(pagetable_t pt, uint64_t va, uint64_t want)
{
	pte_t *pte = walk(pt, va, 0);
	if (pte == NULL || !(*pte & PTE_V) || (*pte & (want | PTE_U)) != (want | PTE_U))
		return 0;
	return PTE2PA(*pte) + (va % PGSIZE);
}

/* Kernel-only: copy into mapped user pages whatever their permissions (loading). */
void uvm_fill(pagetable_t pt, uint64_t va, const void *src, size_t n)
{
	while (n > 0) {
		uint64_t pa = uvm_translate(pt, va, 0);
		if (pa == 0)
			panic("uvm_fill: %p not mapped", (void *)va);
		size_t chunk = PGSIZE - (va % PGSIZE);
		if (chunk > n)
			chunk = n;
		memcpy((void *)pa, src, chunk);
		src = (const char *)src + chunk;
		va += chunk;
		n -= chunk;
	}
}

/* LAB fastcopy: BEGIN copy a page at a time: one page-table walk per page, memcpy inside it */
/* Copy n bytes from user va into dst. Returns 0 or -VDS_EFAULT. */
int copyin(pagetable_t pt, void *dst, uint64_t va, size_t n)
{
	while (n > 0) {
		uint64_t pa = uvm_translate(pt, va, PTE_R);
		if (pa == 0)
			return -VDS_EFAULT;
		size_t chunk = PGSIZE - (va % PGSIZE);
		if (chunk > n)
			chunk = n;
		memcpy(dst, (void *)pa, chunk);
		dst = (char *)dst + chunk;
		va += chunk;
		n -= chunk;
	}
	return 0;
}

/* A word that may alias bytes of any type. */
typedef uint64_t __attribute__((may_alias)) word_t;

/* Where the first NUL of s[0..max) is, or max: a word at a time once s is
 * aligned (a word has a zero byte iff (w - 0x01..01) & ~w & 0x80..80). */
static size_t nul_within(const char *s, size_t max)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	size_t i = 0;
	for (; i < max && ((uintptr_t)(s + i) & 7) != 0; i++)
		if (s[i] == '\0')
			return i;
	for (; i + 8 <= max; i += 8) {
		uint64_t w = *(const word_t *)(s + i);
		if ((w - ones) & ~w & highs)
			break;
	}
	for (; i < max; i++)
		if (s[i] == '\0')
			return i;
	return max;
}

/* Copy a NUL-terminated string of at most max bytes (NUL included) from
 * user va. Returns its length, -VDS_EFAULT, or -VDS_ERANGE if too long. */
int copyinstr(pagetable_t pt, char *dst, uint64_t va, size_t max)
{
	for (size_t done = 0; done < max;) {
		uint64_t pa = uvm_translate(pt, va, PTE_R);
		if (pa == 0)
			return -VDS_EFAULT;
		size_t chunk = PGSIZE - (va % PGSIZE);
		if (chunk > max - done)
			chunk = max - done;
		size_t len = nul_within((const char *)pa, chunk);
		memcpy(dst + done, (void *)pa, len < chunk ? len + 1 : chunk);
		if (len < chunk) {
			/* The process (or another) may have changed the string
			 * between our scan and our copy: in our copy, the byte at
			 * the length we return is the NUL, whatever it wrote. */
			dst[done + len] = '\0';
			return (int)(done + len);
		}
		done += chunk;
		va += chunk;
	}
	return -VDS_ERANGE;
}

/* Copy n bytes from src to user va. Returns 0 or -VDS_EFAULT. */
int copyout(pagetable_t pt, uint64_t va, const void *src, size_t n)
{
	while (n > 0) {
		uint64_t pa = uvm_translate(pt, va, PTE_W);
		if (pa == 0)
			return -VDS_EFAULT;
		size_t chunk = PGSIZE - (va % PGSIZE);
		if (chunk > n)
			chunk = n;
		memcpy((void *)pa, src, chunk);
		src = (const char *)src + chunk;
		va += chunk;
		n -= chunk;
	}
	return 0;
}
/* LAB fastcopy: STUB */
#if 0
/* Copy n bytes from user va into dst. Returns 0 or -VDS_EFAULT. */
int copyin(pagetable_t pt, void *dst, uint64_t va, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t pa = uvm_translate(pt, va + i, PTE_R);
		if (pa == 0)
			return -VDS_EFAULT;
		((char *)dst)[i] = *(char *)pa;
	}
	return 0;
}

/* Copy a NUL-terminated string of at most max bytes (NUL included) from
 * user va. Returns its length, -VDS_EFAULT, or -VDS_ERANGE if too long. */
int copyinstr(pagetable_t pt, char *dst, uint64_t va, size_t max)
{
	for (size_t i = 0; i < max; i++) {
		uint64_t pa = uvm_translate(pt, va + i, PTE_R);
		if (pa == 0)
			return -VDS_EFAULT;
		dst[i] = *(char *)pa;
		if (dst[i] == '\0')
			return (int)i;
	}
	return -VDS_ERANGE;
}

/* Copy n bytes from src to user va. Returns 0 or -VDS_EFAULT. */
int copyout(pagetable_t pt, uint64_t va, const void *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t pa = uvm_translate(pt, va + i, PTE_W);
		if (pa == 0)
			return -VDS_EFAULT;
		*(char *)pa = ((const char *)src)[i];
	}
	return 0;
}
#endif
/* LAB fastcopy: END */
