/*
 * Physical page allocator over the RAM the device tree reports, minus the
 * firmware, the kernel image and the device tree blob. A free list of 4 KiB
 * pages under one lock, with counts that the tests read to find leaks.
 */
#include <string.h>
#include "defs.h"
#include "fdt.h"

extern char __kernel_end[];

struct run {
	struct run *next;
};

static struct {
	struct spinlock lock;
	struct run *freelist;
	uint64_t nfree;  /* pages on the free list */
	uint64_t ntotal; /* pages handed to the allocator at boot */
} kmem = { .lock = SPINLOCK_INIT("kmem") };

static int overlaps(uint64_t a, uint64_t b, uint64_t lo, uint64_t hi)
{
	return a < hi && lo < b;
}

/* The kernel heap's arena comes first, right after the image; pages follow. */
void kinit(void)
{
	uint64_t start = PGROUNDUP((uint64_t)__kernel_end);
	kheap_init((void *)start, KHEAP_PAGES * PGSIZE);
	start += KHEAP_PAGES * PGSIZE;
	uint64_t end = PGROUNDDOWN(bootinfo.ram_base + bootinfo.ram_size);
	uint64_t fdt_lo = PGROUNDDOWN(bootinfo.fdt_base);
	uint64_t fdt_hi = PGROUNDUP(bootinfo.fdt_base + bootinfo.fdt_size);

	for (uint64_t pa = end - PGSIZE; pa >= start && pa < end; pa -= PGSIZE) {
		if (overlaps(pa, pa + PGSIZE, fdt_lo, fdt_hi))
			continue; /* the device tree stays readable for the tests */
		kfree((void *)pa);
		kmem.ntotal++;
	}
}

void kfree(void *pa)
{
	uint64_t a = (uint64_t)pa;
	if (a % PGSIZE || a < (uint64_t)__kernel_end || a >= bootinfo.ram_base + bootinfo.ram_size)
		panic("kfree: bad page %p", pa);
	memset(pa, 0x5a, PGSIZE); /* junk, to catch use after free */
	struct run *r = pa;
	acquire(&kmem.lock);
	r->next = kmem.freelist;
	kmem.freelist = r;
	kmem.nfree++;
	release(&kmem.lock);
}

/* One zeroed page, or NULL when memory is exhausted. */
void *kalloc(void)
{
	acquire(&kmem.lock);
	struct run *r = kmem.freelist;
	if (r) {
		kmem.freelist = r->next;
		kmem.nfree--;
	}
	release(&kmem.lock);
	if (r)
		memset(r, 0, PGSIZE);
	return r;
}

uint64_t kfree_pages(void)
{
	return __atomic_load_n(&kmem.nfree, __ATOMIC_RELAXED);
}

uint64_t ktotal_pages(void)
{
	return kmem.ntotal;
}
