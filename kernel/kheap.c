/*
 * The kernel heap: picolibc's malloc over a fixed arena of pages taken at
 * boot, behind one lock. kmalloc/kfree_obj are the only entry points; the
 * heap's bytes-in-use count lets tests find leaks of small objects.
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include "defs.h"

static struct spinlock heap_lock = SPINLOCK_INIT("kheap");
static char *heap_lo, *heap_cur, *heap_hi;

/* picolibc's malloc grows its arena through sbrk(). */
void *sbrk(ptrdiff_t incr)
{
	if (incr < 0 || heap_cur + incr > heap_hi) {
		errno = ENOMEM;
		return (void *)-1;
	}
	char *old = heap_cur;
	heap_cur += incr;
	return old;
}

/* The arena must be contiguous: take it before kinit() hands pages out. */
void kheap_init(void *base, size_t size)
{
	heap_lo = heap_cur = base;
	heap_hi = heap_lo + size;
}

void *kmalloc(size_t n)
{
	acquire(&heap_lock);
	void *p = malloc(n);
	release(&heap_lock);
	if (p)
		memset(p, 0, n);
	return p;
}

void kfree_obj(void *p)
{
	acquire(&heap_lock);
	free(p);
	release(&heap_lock);
}

size_t kheap_in_use(void)
{
	acquire(&heap_lock);
	struct mallinfo mi = mallinfo();
	release(&heap_lock);
	return (size_t)mi.uordblks;
}
