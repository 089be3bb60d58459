/*
 * A small flattened-device-tree reader (devicetree specification v0.4, ch. 5).
 * One pass over the structure block; the properties of each open node are
 * kept on a stack and the node is classified when it closes. Every offset and
 * length is checked against the blob, so a malformed tree gives an error.
 */
#include <stddef.h>
#include <string.h>
#include <stdlib.h>
#include "fdt.h"
#include "riscv.h" /* IRQ_S_EXT; this file also builds on the host (tests/host) */

#define FDT_MAGIC      0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_NOP        4
#define FDT_END        9
#define MAX_DEPTH      8
#define MAX_INTX       (2 * NCPU_MAX * 2) /* interrupts-extended pairs of the PLIC */

struct bootinfo bootinfo;

struct fdt_header {
	uint32_t magic, totalsize, off_dt_struct, off_dt_strings, off_mem_rsvmap, version,
	    last_comp_version, boot_cpuid_phys, size_dt_strings, size_dt_struct;
};

struct prop {
	const uint8_t *val;
	uint32_t len;
};

/* Properties of one open node that the kernel cares about. */
struct node {
	const char *name;
	uint32_t addr_cells, size_cells; /* for this node's children */
	uint32_t phandle, intc_phandle;  /* intc_phandle: set by an interrupt-controller child */
	struct prop compatible, reg, interrupts, intx, status, ndev, timebase;
	struct prop bootargs, rng_seed;
};

static uint32_t be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Read `cells` big-endian 32-bit cells (1 or 2) at *p, advancing it. */
static uint64_t read_cells(const uint8_t **p, uint32_t cells)
{
	uint64_t v = 0;
	for (uint32_t i = 0; i < cells; i++) {
		v = (v << 32) | be32(*p);
		*p += 4;
	}
	return v;
}

static int compat_has(const struct node *n, const char *want)
{
	const char *s = (const char *)n->compatible.val;
	uint32_t left = n->compatible.len;
	while (left > 0) {
		size_t l = strnlen(s, left);
		if (l == strlen(want) && memcmp(s, want, l) == 0)
			return 1;
		if (l + 1 > left)
			break;
		s += l + 1;
		left -= (uint32_t)(l + 1);
	}
	return 0;
}

static int name_is(const struct node *n, const char *base)
{
	size_t l = strlen(base);
	return strncmp(n->name, base, l) == 0 && (n->name[l] == '\0' || n->name[l] == '@');
}

static int status_okay(const struct node *n)
{
	return n->status.val == NULL ||
	       (n->status.len >= 4 && memcmp(n->status.val, "okay", 4) == 0);
}

/* First (address, size) of `reg`, decoded with the parent's cell counts. */
static int first_reg(const struct node *n, const struct node *parent, uint64_t *addr,
                     uint64_t *size)
{
	uint32_t ac = parent->addr_cells, sc = parent->size_cells;
	if (ac < 1 || ac > 2 || sc > 2 || n->reg.len < 4 * (ac + sc))
		return -1;
	const uint8_t *p = n->reg.val;
	*addr = read_cells(&p, ac);
	*size = read_cells(&p, sc);
	return 0;
}

struct parse_state {
	struct bootinfo *bi;
	uint32_t cpu_intc[NCPU_MAX]; /* phandle of each cpu's interrupt controller */
	uint32_t intx[MAX_INTX][2];  /* PLIC interrupts-extended (phandle, irq) pairs */
	int nintx;
};

static void close_cpu(struct parse_state *st, const struct node *n, const struct node *parent)
{
	struct bootinfo *bi = st->bi;
	uint32_t cells = parent->addr_cells == 2 ? 2 : 1;
	if (!status_okay(n) || n->reg.len < 4 * cells || bi->ncpu >= NCPU_MAX)
		return;
	const uint8_t *p = n->reg.val;
	bi->hartid[bi->ncpu] = read_cells(&p, cells);
	st->cpu_intc[bi->ncpu] = n->intc_phandle;
	bi->ncpu++;
}

static void close_plic(struct parse_state *st, const struct node *n, const struct node *parent)
{
	struct bootinfo *bi = st->bi;
	if (first_reg(n, parent, &bi->plic_base, &bi->plic_size) < 0)
		return;
	if (n->ndev.len >= 4)
		bi->plic_ndev = be32(n->ndev.val);
	for (uint32_t off = 0; off + 8 <= n->intx.len && st->nintx < MAX_INTX; off += 8) {
		st->intx[st->nintx][0] = be32(n->intx.val + off);
		st->intx[st->nintx][1] = be32(n->intx.val + off + 4);
		st->nintx++;
	}
}

/* A node just closed: record what it tells us. The root is at depth 1. */
static void close_node(struct parse_state *st, struct node *n, struct node *parent, int depth)
{
	struct bootinfo *bi = st->bi;
	uint64_t size;

	if (depth == 2 && name_is(n, "memory") && bi->ram_size == 0)
		first_reg(n, parent, &bi->ram_base, &bi->ram_size);
	else if (depth == 2 && name_is(n, "chosen")) {
		if (n->bootargs.len > 0) {
			size_t l = strnlen((const char *)n->bootargs.val, n->bootargs.len);
			if (l >= BOOTARGS_MAX)
				l = BOOTARGS_MAX - 1;
			memcpy(bi->bootargs, n->bootargs.val, l);
			bi->bootargs[l] = '\0';
		}
		bi->rng_seed_len = n->rng_seed.len < RNG_SEED_MAX ? n->rng_seed.len : RNG_SEED_MAX;
		if (bi->rng_seed_len)
			memcpy(bi->rng_seed, n->rng_seed.val, bi->rng_seed_len);
	} else if (depth == 2 && name_is(n, "cpus")) {
		if (n->timebase.len >= 4)
			bi->timebase_hz = be32(n->timebase.val);
	} else if (depth == 3 && name_is(parent, "cpus") && name_is(n, "cpu"))
		close_cpu(st, n, parent);
	else if (depth >= 4 && name_is(n, "interrupt-controller"))
		parent->intc_phandle = n->phandle;
	else if (compat_has(n, "ns16550a") && bi->uart_base == 0 && status_okay(n)) {
		first_reg(n, parent, &bi->uart_base, &size);
		if (n->interrupts.len >= 4)
			bi->uart_irq = be32(n->interrupts.val);
	} else if (compat_has(n, "riscv,plic0") || compat_has(n, "sifive,plic-1.0.0"))
		close_plic(st, n, parent);
	else if (compat_has(n, "sifive,test0") || compat_has(n, "sifive,test1"))
		first_reg(n, parent, &bi->test_base, &size);
}

/* Remember a property of the open node if it is one we use. */
static void note_prop(struct node *n, const char *name, const uint8_t *val, uint32_t len)
{
	static const struct {
		const char *name;
		size_t off;
	} wanted[] = {
		{ "compatible", offsetof(struct node, compatible) },
		{ "reg", offsetof(struct node, reg) },
		{ "interrupts", offsetof(struct node, interrupts) },
		{ "interrupts-extended", offsetof(struct node, intx) },
		{ "status", offsetof(struct node, status) },
		{ "riscv,ndev", offsetof(struct node, ndev) },
		{ "timebase-frequency", offsetof(struct node, timebase) },
		{ "bootargs", offsetof(struct node, bootargs) },
		{ "rng-seed", offsetof(struct node, rng_seed) },
	};
	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
		if (strcmp(name, wanted[i].name) == 0) {
			struct prop *p = (struct prop *)((char *)n + wanted[i].off);
			p->val = val;
			p->len = len;
			return;
		}
	}
	if (len >= 4 && strcmp(name, "#address-cells") == 0)
		n->addr_cells = be32(val);
	else if (len >= 4 && strcmp(name, "#size-cells") == 0)
		n->size_cells = be32(val);
	else if (len >= 4 && strcmp(name, "phandle") == 0)
		n->phandle = be32(val);
}

/* After the walk: which PLIC context is each hart's S-mode external interrupt? */
static void resolve_plic_contexts(struct parse_state *st)
{
	struct bootinfo *bi = st->bi;
	for (int c = 0; c < NCPU_MAX; c++)
		bi->plic_context[c] = -1;
	for (int i = 0; i < st->nintx; i++) {
		if (st->intx[i][1] != IRQ_S_EXT)
			continue;
		for (int c = 0; c < bi->ncpu; c++)
			if (st->cpu_intc[c] == st->intx[i][0])
				bi->plic_context[c] = i;
	}
}

int fdt_parse(const void *fdt, size_t maxsize, struct bootinfo *bi)
{
	const uint8_t *base = fdt;
	const struct fdt_header *h = fdt;
	struct parse_state st = { .bi = bi };
	struct node stack[MAX_DEPTH + 1];
	int depth = 0;

	memset(bi, 0, sizeof(*bi));
	if (maxsize < sizeof(*h) || be32((const uint8_t *)&h->magic) != FDT_MAGIC)
		return -1;
	uint32_t total = be32((const uint8_t *)&h->totalsize);
	if (maxsize < sizeof(*h) || total > maxsize || total < sizeof(*h))
		return -2;
	uint32_t soff = be32((const uint8_t *)&h->off_dt_struct);
	uint32_t ssize = be32((const uint8_t *)&h->size_dt_struct);
	uint32_t stroff = be32((const uint8_t *)&h->off_dt_strings);
	uint32_t strsize = be32((const uint8_t *)&h->size_dt_strings);
	if (soff > total || ssize > total - soff || stroff > total || strsize > total - stroff)
		return -2;
	bi->fdt_base = (uint64_t)fdt;
	bi->fdt_size = total;

	memset(&stack[0], 0, sizeof(stack[0]));
	stack[0].name = "";
	stack[0].addr_cells = 2;
	stack[0].size_cells = 1;
	const uint8_t *p = base + soff, *end = base + soff + ssize;
	while (p + 4 <= end) {
		uint32_t tok = be32(p);
		p += 4;
		if (tok == FDT_BEGIN_NODE) {
			const char *name = (const char *)p;
			size_t l = strnlen(name, (size_t)(end - p));
			if (p + l >= end || depth >= MAX_DEPTH)
				return -3;
			p += (l + 4) & ~3UL;
			struct node *n = &stack[++depth];
			memset(n, 0, sizeof(*n));
			n->name = name;
			n->addr_cells = 2;
			n->size_cells = 1;
		} else if (tok == FDT_END_NODE) {
			if (depth == 0)
				return -4;
			close_node(&st, &stack[depth], &stack[depth - 1], depth);
			depth--;
		} else if (tok == FDT_PROP) {
			if (p + 8 > end)
				return -5;
			uint32_t len = be32(p), nameoff = be32(p + 4);
			p += 8;
			if (len > (uint64_t)(end - p) || nameoff >= strsize)
				return -6;
			const char *pname = (const char *)base + stroff + nameoff;
			if (strnlen(pname, strsize - nameoff) == strsize - nameoff)
				return -7;
			note_prop(&stack[depth], pname, p, len);
			p += (len + 3) & ~3U;
		} else if (tok == FDT_END) {
			break;
		} else if (tok != FDT_NOP) {
			return -8;
		}
	}
	resolve_plic_contexts(&st);
	if (bi->ram_size == 0 || bi->ncpu == 0 || bi->timebase_hz == 0)
		return -9;
	return 0;
}

static const char *bootargs_find(const char *word, size_t len)
{
	const char *s = bootinfo.bootargs;
	while (*s) {
		while (*s == ' ')
			s++;
		const char *e = s;
		while (*e && *e != ' ')
			e++;
		if ((size_t)(e - s) >= len && memcmp(s, word, len) == 0 &&
		    (s[len] == ' ' || s[len] == '\0' || s[len] == '='))
			return s + len;
		s = e;
	}
	return NULL;
}

int bootargs_has(const char *word)
{
	const char *r = bootargs_find(word, strlen(word));
	return r != NULL && *r != '=';
}

uint64_t bootargs_num(const char *key, uint64_t dflt)
{
	const char *r = bootargs_find(key, strlen(key));
	if (r == NULL || *r != '=')
		return dflt;
	return strtoull(r + 1, NULL, 0);
}

/* The value of key=value on the command line into buf (at most n - 1
 * bytes), or 0 if the key is not there. */
int bootargs_str(const char *key, char *buf, size_t n)
{
	const char *r = bootargs_find(key, strlen(key));
	if (r == NULL || *r != '=' || n == 0)
		return 0;
	size_t i = 0;
	for (r++; *r && *r != ' ' && i + 1 < n; r++)
		buf[i++] = *r;
	buf[i] = '\0';
	return 1;
}
