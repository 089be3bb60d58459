/* Memory: page allocator, kernel heap, kernel page table, user copies. */
#include <string.h>
#include "tests.h"
#include "../memlayout.h"

extern char __text_end[], __rodata_end[];

int test_kalloc_pages(void)
{
	enum { N = 64 };
	void *pages[N];
	uint64_t before = kfree_pages();
	for (int i = 0; i < N; i++) {
		pages[i] = kalloc();
		KT_ASSERT(pages[i] != NULL);
		KT_EQ((uint64_t)pages[i] % PGSIZE, 0);
		for (size_t j = 0; j < PGSIZE; j += 512)
			KT_EQ(((uint8_t *)pages[i])[j], 0);
		for (int k = 0; k < i; k++)
			KT_ASSERT(pages[k] != pages[i]);
		memset(pages[i], i, PGSIZE);
	}
	KT_EQ(kfree_pages(), before - N);
	for (int i = 0; i < N; i++)
		kfree(pages[i]);
	KT_EQ(kfree_pages(), before);
	return 0;
}

int test_kheap(void)
{
	size_t before = kheap_in_use();
	void *a = kmalloc(100), *b = kmalloc(5000);
	KT_ASSERT(a && b && a != b);
	KT_ASSERT(kheap_in_use() >= before + 5100);
	kfree_obj(a);
	kfree_obj(b);
	KT_EQ(kheap_in_use(), before);
	return 0;
}

/* W^X in the kernel's own mappings, and guard pages under kernel stacks. */
int test_kernel_wx(void)
{
	pte_t *text = walk(kernel_pagetable, (uint64_t)test_kernel_wx, 0);
	pte_t *ro = walk(kernel_pagetable, (uint64_t)__text_end, 0);
	pte_t *data = walk(kernel_pagetable, (uint64_t)&kernel_pagetable, 0);
	KT_ASSERT(text && ro && data);
	KT_ASSERT((*text & PTE_X) && !(*text & PTE_W));
	KT_ASSERT(!(*ro & PTE_X) && !(*ro & PTE_W));
	KT_ASSERT((*data & PTE_W) && !(*data & PTE_X));
	for (uint64_t va = KSTACK_BASE; va < KSTACK_BASE + 64 * PGSIZE; va += PGSIZE) {
		pte_t *pte = walk(kernel_pagetable, va, 0);
		if (pte && (*pte & PTE_X))
			KT_FAIL("executable stack page at %p", (void *)va);
	}
	void *stk = kstack_alloc(2);
	KT_ASSERT(stk != NULL);
	pte_t *guard = walk(kernel_pagetable, (uint64_t)stk - PGSIZE, 0);
	KT_ASSERT(guard == NULL || !(*guard & PTE_V));
	kstack_free(stk, 2, -1);
	return 0;
}

/* copyin/copyout refuse unmapped pages, kernel-only pages and read-only pages. */
int test_user_copy(void)
{
	uint64_t before = kfree_pages();
	pagetable_t pt = uvm_create();
	KT_ASSERT(pt != NULL);
	KT_EQ(uvm_alloc(pt, 0x10000, PGSIZE, PTE_R | PTE_W | PTE_U), 0);
	KT_EQ(uvm_alloc(pt, 0x11000, PGSIZE, PTE_R | PTE_U), 0);
	KT_EQ(uvm_alloc(pt, 0x12000, PGSIZE, PTE_R | PTE_W), 0); /* no U bit */
	char buf[64] = "vdsOS", back[64];
	/* A copy that runs into the read-only page fails. */
	KT_EQ(copyout(pt, 0x10ff0, buf, 64), -VDS_EFAULT);
	KT_EQ(copyout(pt, 0x10000, buf, 64), 0);
	KT_EQ(copyin(pt, back, 0x10000, 64), 0);
	KT_ASSERT(memcmp(buf, back, 64) == 0);
	KT_EQ(copyin(pt, back, 0x11000, 64), 0);
	KT_EQ(copyin(pt, back, 0x12000, 8), -VDS_EFAULT);
	KT_EQ(copyin(pt, back, 0x13000, 8), -VDS_EFAULT);
	KT_EQ(copyin(pt, back, MAXVA + 0x1000, 8), -VDS_EFAULT);
	KT_EQ(copyin(pt, back, TRAMPOLINE, 8), -VDS_EFAULT);
	/* Strings: across a page boundary, too long, running into a page
	 * that is not readable by the process. */
	uvm_fill(pt, 0x10ffc, "abcdefg", 8);
	char s[16];
	KT_EQ(copyinstr(pt, s, 0x10ffc, sizeof(s)), 7);
	KT_ASSERT(strcmp(s, "abcdefg") == 0);
	KT_EQ(copyinstr(pt, s, 0x10ffc, 8), 7); /* just fits: NUL included */
	memset(s, '#', sizeof(s));
	KT_EQ(copyinstr(pt, s, 0x10ffc, 7), -VDS_ERANGE);
	KT_ASSERT(s[7] == '#'); /* nothing written past max bytes */
	memset(s, '#', sizeof(s));
	KT_EQ(copyin(pt, s, 0x10ffc, 5), 0);
	KT_ASSERT(memcmp(s, "abcde", 5) == 0 && s[5] == '#'); /* nor past n */
	KT_EQ(copyinstr(pt, s, 0x10000, 0), -VDS_ERANGE);
	static char page[PGSIZE];
	memset(page, 'x', sizeof(page));
	KT_EQ(copyout(pt, 0x10000, page, PGSIZE), 0);    /* no NUL in the page... */
	KT_EQ(copyinstr(pt, s, 0x10ff8, sizeof(s)), 11); /* ...but in the next one */
	KT_ASSERT(strcmp(s, "xxxxxxxxefg") == 0);
	uvm_fill(pt, 0x11ffc, "yyyy", 4);                         /* the read-only page */
	KT_EQ(copyinstr(pt, s, 0x11ffc, sizeof(s)), -VDS_EFAULT); /* then a page without U */
	/* Large copies across pages, both ways. */
	KT_EQ(uvm_alloc(pt, 0x20000, 3 * PGSIZE, PTE_R | PTE_W | PTE_U), 0);
	for (int i = 0; i < (int)PGSIZE; i++)
		page[i] = (char)(i * 7 + 3);
	KT_EQ(copyout(pt, 0x20800, page, PGSIZE), 0);
	KT_EQ(copyout(pt, 0x21800, page, PGSIZE), 0);
	static char back2[2 * PGSIZE];
	KT_EQ(copyin(pt, back2, 0x20800, 2 * PGSIZE), 0);
	KT_ASSERT(memcmp(back2, page, PGSIZE) == 0 && memcmp(back2 + PGSIZE, page, PGSIZE) == 0);
	KT_EQ(copyin(pt, back2, 0x21800, 2 * PGSIZE), -VDS_EFAULT); /* the last page is missing */
	uvm_free(pt);
	KT_EQ(kfree_pages(), before);
	return 0;
}
