/* What the kernel learns from the flattened device tree OpenSBI passes in a1. */
#ifndef KERNEL_FDT_H
#define KERNEL_FDT_H

#include <stddef.h>
#include <stdint.h>
#include "param.h"

#define BOOTARGS_MAX 512
#define RNG_SEED_MAX 64

struct bootinfo {
	uint64_t fdt_base, fdt_size;
	uint64_t ram_base, ram_size;
	uint64_t timebase_hz;
	int ncpu;                  /* harts with status "okay", at most NCPU_MAX */
	uint64_t hartid[NCPU_MAX]; /* logical cpu -> hart id */
	uint64_t uart_base;
	uint32_t uart_irq;
	uint64_t plic_base, plic_size;
	uint32_t plic_ndev;
	int plic_context[NCPU_MAX]; /* PLIC S-mode context of each cpu, -1 if none */
	uint64_t test_base;         /* sifive_test (exit device), 0 if absent */
	char bootargs[BOOTARGS_MAX];
	uint8_t rng_seed[RNG_SEED_MAX];
	uint32_t rng_seed_len;
};

extern struct bootinfo bootinfo;

#define FDT_MAX_SIZE (1U << 20) /* a larger blob is refused */

/* Parse the tree at fdt (at most maxsize bytes) into bi. Returns 0 or a negative code. */
int fdt_parse(const void *fdt, size_t maxsize, struct bootinfo *bi);

/* Is word (space-separated) present in the kernel command line? */
int bootargs_has(const char *word);
/* Value of "key=value" in the command line, or dflt if absent. */
uint64_t bootargs_num(const char *key, uint64_t dflt);
int bootargs_str(const char *key, char *buf, size_t n);

#endif
