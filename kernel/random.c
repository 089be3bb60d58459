/*
 * Kernel random numbers: xoshiro256** seeded from the device tree's
 * rng-seed (QEMU fills it from the host) mixed with the time. Good enough
 * for vDSO placement in a teaching kernel; not a
 * cryptographic generator.
 */
#include <string.h>
#include "defs.h"
#include "fdt.h"

static struct spinlock rnd_lock = SPINLOCK_INIT("random");
static uint64_t s[4];

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* SplitMix64: spreads a seed over the generator's state. */
static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void random_init(void)
{
	uint64_t seed = rdtime();
	for (uint32_t i = 0; i + 8 <= bootinfo.rng_seed_len; i += 8) {
		uint64_t w;
		memcpy(&w, bootinfo.rng_seed + i, 8);
		seed ^= rotl(w, (int)i);
	}
	for (int i = 0; i < 4; i++)
		s[i] = splitmix(&seed);
}

uint64_t krandom(void)
{
	acquire(&rnd_lock);
	uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	release(&rnd_lock);
	return result;
}
