/*
 * SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit MAC. The vDSO
 * tags every message a process sends to the kernel with it, under a key the
 * kernel gave that process alone (DESIGN §6, docs/TRUST.md).
 */
#include "internal.h"
#include "msg.h"

static uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

#define SIPROUND                   \
	do {                       \
		v0 += v1;          \
		v1 = rotl(v1, 13); \
		v1 ^= v0;          \
		v0 = rotl(v0, 32); \
		v2 += v3;          \
		v3 = rotl(v3, 16); \
		v3 ^= v2;          \
		v0 += v3;          \
		v3 = rotl(v3, 21); \
		v3 ^= v0;          \
		v2 += v1;          \
		v1 = rotl(v1, 17); \
		v1 ^= v2;          \
		v2 = rotl(v2, 32); \
	} while (0)

/* The MAC of n 64-bit little-endian words (n * 8 bytes). */
uint64_t siphash24(const uint64_t key[2], const uint64_t *w, size_t n)
{
	uint64_t v0 = 0x736f6d6570736575ULL ^ key[0], v1 = 0x646f72616e646f6dULL ^ key[1];
	uint64_t v2 = 0x6c7967656e657261ULL ^ key[0], v3 = 0x7465646279746573ULL ^ key[1];
	for (size_t i = 0; i < n; i++) {
		v3 ^= w[i];
		SIPROUND;
		SIPROUND;
		v0 ^= w[i];
	}
	uint64_t last = (uint64_t)(n * 8) << 56; /* the length byte; no partial word */
	v3 ^= last;
	SIPROUND;
	SIPROUND;
	v0 ^= last;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* The tag of an SQE: over its seven other words (all of it but mac). */
VDS_API uint64_t vds_sqe_mac(const uint64_t key[2], const struct vds_sqe *m)
{
	const uint64_t *w = (const uint64_t *)m;
	uint64_t words[7] = { w[0], w[1], w[2], w[4], w[5], w[6], w[7] };
	_Static_assert(__builtin_offsetof(struct vds_sqe, mac) == 3 * 8, "mac is word 3");
	return siphash24(key, words, 7);
}
