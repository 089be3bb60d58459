/*
 * memcpy and memset, a word at a time when the pointers allow. picolibc as
 * Debian builds it for rv64imac is optimised for size: its memcpy and memset
 * move one byte per iteration, and `make bench` showed them taking a large
 * share of every system call (zeroing a 64-byte message, a 4 KiB page).
 * These override picolibc's in the kernel, the vDSO and user programs; all
 * other string functions stay picolibc's. No relocations: safe in the vDSO.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define WORD sizeof(uint64_t)

/* GCC would turn the byte loops below back into calls to memcpy and memset
 * (loop-distribute-patterns): these functions must not call themselves. */
#define NO_LIBCALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))

NO_LIBCALLS void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	if ((((uintptr_t)d | (uintptr_t)s) & (WORD - 1)) == 0) {
		for (; n >= 4 * WORD; n -= 4 * WORD, d += 4 * WORD, s += 4 * WORD) {
			uint64_t a = ((const uint64_t *)s)[0], b = ((const uint64_t *)s)[1];
			uint64_t c = ((const uint64_t *)s)[2], e = ((const uint64_t *)s)[3];
			((uint64_t *)d)[0] = a;
			((uint64_t *)d)[1] = b;
			((uint64_t *)d)[2] = c;
			((uint64_t *)d)[3] = e;
		}
		for (; n >= WORD; n -= WORD, d += WORD, s += WORD)
			*(uint64_t *)d = *(const uint64_t *)s;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

NO_LIBCALLS void *memset(void *dst, int c, size_t n)
{
	uint8_t *d = dst;
	for (; n > 0 && ((uintptr_t)d & (WORD - 1)); n--)
		*d++ = (uint8_t)c;
	uint64_t w = 0x0101010101010101ULL * (uint8_t)c;
	for (; n >= 4 * WORD; n -= 4 * WORD, d += 4 * WORD) {
		((uint64_t *)d)[0] = w;
		((uint64_t *)d)[1] = w;
		((uint64_t *)d)[2] = w;
		((uint64_t *)d)[3] = w;
	}
	for (; n >= WORD; n -= WORD, d += WORD)
		*(uint64_t *)d = w;
	while (n--)
		*d++ = (uint8_t)c;
	return dst;
}
