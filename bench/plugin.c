/*
 * A QEMU TCG plugin that counts each vCPU's instructions exactly, between
 * marker instructions the guest executes (include/vdsos/mark.h):
 *
 *   slti x0, x0, N     a HINT (it writes x0): free, and visible here
 *
 *   N = 2k, 2k + 1     window k begins / ends (on the vCPU that runs them)
 *   N = 2000, 2001     this vCPU starts / stops polling an empty queue
 *
 * At the end of each window it prints, for every vCPU, the instructions it
 * executed during the window and, of those, how many were spent in empty
 * polls. With profile=K it also records where window K's instructions went,
 * empty polls left out: how often each translation block ran, per vCPU,
 * with the sizes of its instructions, and, where a marker inside a block
 * started or ended what is counted, from which instruction on. It prints
 * them for scripts/profile.sh, which turns them into a count for every
 * instruction address, then into functions. Each block comes with a hash
 * of its bytes: processes run different programs at the same addresses,
 * and the bytes say which program a block is from.
 *
 * Under -icount QEMU runs all harts in turn on one thread and the guest's
 * instret is one global count; this plugin counts per vCPU, so multi-hart
 * figures mean something. Loaded by Debian's QEMU 7.2 with
 *   -plugin build/bench/plugin.so[,profile=K] -d plugin -D LOGFILE
 *
 * QEMU installs no header for the plugin API (version 1): the few
 * functions used are declared here as QEMU 7.2 exports them.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the part of QEMU's plugin API this file uses ---- */
typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct {
	const char *target_name;
	struct {
		int min, cur;
	} version;
	bool system_emulation;
	union {
		struct {
			int smp_vcpus, max_vcpus;
		} system;
	};
} qemu_info_t;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
typedef void (*tb_trans_cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*vcpu_udata_cb)(unsigned int vcpu, void *udata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, tb_trans_cb cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, vcpu_udata_cb cb,
                                          enum qemu_plugin_cb_flags flags, void *udata);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn, vcpu_udata_cb cb,
                                            enum qemu_plugin_cb_flags flags, void *udata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
void qemu_plugin_outs(const char *string);
#define EXPORT __attribute__((visibility("default")))
EXPORT int qemu_plugin_version = 1;

/* ---- counting ---- */

#define MAXCPU     64
#define SPIN_BEGIN 2000
#define SPIN_END   2001
#define PROF_SIZE  (1 << 16) /* distinct block addresses a profile can hold */

struct tb_info {
	uint64_t vaddr;
	uint32_t n;    /* instructions in the block */
	uint32_t hash; /* profiling: FNV-1a of the block's bytes */
	char size[];   /* profiling: each instruction's size in bytes, as a digit */
};

struct marker {
	struct tb_info *tb;
	uint32_t index; /* of the marker in its block */
	int32_t n;      /* the marker's number */
	/* profiling: per vCPU, how many more (or fewer) times the block's
	 * instructions from the marker on were counted than the block was */
	int64_t adj[MAXCPU];
	struct marker *next; /* all markers, for print_window() */
};
static struct marker *markers;

/* Each vCPU's thread writes its own counters (others read them, for
 * snapshots: a block's worth of slack, no more), but for the start of a
 * poll already under way as a window opens (marker_exec). */
static struct {
	uint64_t insns;     /* executed so far: whole blocks, as they start */
	uint64_t spin;      /* of which in empty polls, in the open window */
	uint64_t spin_from; /* where the current empty poll began */
	uint64_t win_from;  /* insns when the window began */
	int spinning;
} cpu[MAXCPU] __attribute__((aligned(64)));

static int window = -1; /* the open window, or -1 */
static int profile = -1;

static struct {
	struct tb_info *tb; /* one translation of a block */
	uint64_t runs[MAXCPU];
} prof[PROF_SIZE];

/* Does vCPU v's work count for the profile now? */
static int profiled(unsigned int v)
{
	return profile >= 0 && __atomic_load_n(&window, __ATOMIC_RELAXED) == profile &&
	       !cpu[v].spinning;
}

static uint64_t load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* to - from, or 0 if another thread's snapshot put `from` a block ahead. */
static uint64_t since(uint64_t from, uint64_t to)
{
	return to > from ? to - from : 0;
}

/* Count a block as it starts: it runs to its end unless something traps
 * half-way (a page fault), which the benchmarks' loops never do. */
static void tb_exec(unsigned int vcpu, void *udata)
{
	struct tb_info *tb = udata;
	if (vcpu >= MAXCPU)
		return;
	__atomic_store_n(&cpu[vcpu].insns, cpu[vcpu].insns + tb->n, __ATOMIC_RELAXED);
	if (!profiled(vcpu))
		return; /* the profile is of work, not of polls of an empty queue */
	/* One entry per block address, length and bytes: a block translated
	 * again (the same code) adds to the entry of its first translation;
	 * another program's block at the same address has one of its own. */
	uint64_t h =
	    ((tb->vaddr >> 1) ^ ((uint64_t)tb->n << 48) ^ tb->hash) * 0x9E3779B97F4A7C15ULL;
	for (uint32_t i = 0; i < PROF_SIZE; i++) {
		uint32_t slot = (uint32_t)((h >> 40) + i) & (PROF_SIZE - 1);
		struct tb_info *got = __atomic_load_n(&prof[slot].tb, __ATOMIC_ACQUIRE),
		               *none = NULL;
		if (got == NULL && __atomic_compare_exchange_n(&prof[slot].tb, &none, tb, 0,
		                                               __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			got = tb;
		else if (got == NULL)
			got = none; /* another vCPU took the slot: look at what it put there */
		if (got->vaddr == tb->vaddr && got->n == tb->n && got->hash == tb->hash) {
			__atomic_add_fetch(&prof[slot].runs[vcpu], 1, __ATOMIC_RELAXED);
			return;
		}
	}
}

/* One line for scripts/profile.sh: block tb's instructions from `from` on
 * ran `runs` more times on vCPU v (a marker's adjustment may be negative). */
static void print_block(unsigned int v, const char *what, const struct tb_info *tb, uint32_t from,
                        int64_t runs)
{
	size_t len = tb->n + 128;
	char *line = malloc(len);
	if (line == NULL)
		return;
	snprintf(line, len,
	         "%s: vcpu %u pc 0x%" PRIx64 " from %" PRIu32 " runs %" PRId64
	         " sizes %.*s hash %08" PRIx32 "\n",
	         what, v, tb->vaddr, from, runs, (int)tb->n, tb->size, tb->hash);
	qemu_plugin_outs(line);
	free(line);
}

static void print_window(int k, unsigned int self, uint64_t now)
{
	char line[160];
	for (unsigned int v = 0; v < MAXCPU; v++) {
		uint64_t end = v == self ? now : load(&cpu[v].insns);
		uint64_t d = end - cpu[v].win_from, spin = load(&cpu[v].spin);
		if (d == 0 && v != self)
			continue;
		/* A hart still polling as the window closes: its poll so far. */
		if (__atomic_load_n(&cpu[v].spinning, __ATOMIC_RELAXED))
			spin += since(load(&cpu[v].spin_from), end);
		snprintf(line, sizeof(line),
		         "plugin: window %d vcpu %u insns %" PRIu64 " spin %" PRIu64 "%s\n", k, v,
		         d, spin, v == self ? " marker" : "");
		qemu_plugin_outs(line);
	}
	if (k != profile)
		return;
	/* Each time window K ends, what it added since it last ended (the
	 * window is closed now; a vCPU that looked just before may still add
	 * one block, which goes to the next print). */
	for (uint32_t i = 0; i < PROF_SIZE; i++) {
		struct tb_info *tb = __atomic_load_n(&prof[i].tb, __ATOMIC_ACQUIRE);
		for (unsigned int v = 0; tb != NULL && v < MAXCPU; v++) {
			uint64_t runs = __atomic_exchange_n(&prof[i].runs[v], 0, __ATOMIC_RELAXED);
			if (runs != 0)
				print_block(v, "prof", tb, 0, (int64_t)runs);
		}
	}
	for (struct marker *m = __atomic_load_n(&markers, __ATOMIC_ACQUIRE); m != NULL; m = m->next)
		for (unsigned int v = 0; v < MAXCPU; v++) {
			int64_t adj = __atomic_exchange_n(&m->adj[v], 0, __ATOMIC_RELAXED);
			if (adj != 0)
				print_block(v, "profadj", m->tb, m->index, adj);
		}
}

static void marker_exec(unsigned int vcpu, void *udata)
{
	struct marker *m = udata;
	if (vcpu >= MAXCPU)
		return;
	/* The block's instructions were counted as it began: those from the
	 * marker on have not run yet. */
	uint64_t now = cpu[vcpu].insns - m->tb->n + m->index;
	int before = profiled(vcpu);
	if (m->n == SPIN_BEGIN) {
		__atomic_store_n(&cpu[vcpu].spin_from, now, __ATOMIC_RELAXED);
		__atomic_store_n(&cpu[vcpu].spinning, 1, __ATOMIC_RELAXED);
	} else if (m->n == SPIN_END) {
		if (cpu[vcpu].spinning)
			__atomic_store_n(&cpu[vcpu].spin,
			                 cpu[vcpu].spin + since(load(&cpu[vcpu].spin_from), now),
			                 __ATOMIC_RELAXED);
		__atomic_store_n(&cpu[vcpu].spinning, 0, __ATOMIC_RELAXED);
	} else if (m->n % 2 == 0) {
		for (unsigned int v = 0; v < MAXCPU; v++) {
			cpu[v].win_from = v == vcpu ? now : load(&cpu[v].insns);
			__atomic_store_n(&cpu[v].spin, 0, __ATOMIC_RELAXED);
			/* A hart polling as the window opens: only the part of its
			 * poll inside the window is the window's. */
			if (__atomic_load_n(&cpu[v].spinning, __ATOMIC_RELAXED))
				__atomic_store_n(&cpu[v].spin_from, cpu[v].win_from,
				                 __ATOMIC_RELAXED);
		}
		__atomic_store_n(&window, m->n / 2, __ATOMIC_RELEASE);
	} else {
		__atomic_store_n(&window, -1, __ATOMIC_RELEASE);
	}
	/* For the profile, likewise: the block was counted (or not) as a
	 * whole as it began; from the marker on, it is now the other way. */
	int change = profiled(vcpu) - before;
	if (change != 0)
		__atomic_add_fetch(&m->adj[vcpu], change, __ATOMIC_RELAXED);
	if (m->n % 2 == 1 && m->n < SPIN_BEGIN)
		print_window(m->n / 2, vcpu, now);
}

/* slti x0, x0, N: opcode 0x13, rd 0, funct3 2, rs1 0. */
static int marker_number(const struct qemu_plugin_insn *insn, int32_t *n)
{
	uint32_t w;
	if (qemu_plugin_insn_size(insn) != 4)
		return 0;
	memcpy(&w, qemu_plugin_insn_data(insn), 4);
	if ((w & 0xfffff) != 0x02013)
		return 0;
	*n = (int32_t)w >> 20;
	return *n > 0 && *n <= SPIN_END;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	(void)id;
	size_t n = qemu_plugin_tb_n_insns(tb);
	/* lives as long as the block: never freed */
	struct tb_info *info = malloc(sizeof(*info) + (profile >= 0 ? n : 0));
	if (info == NULL)
		return;
	info->vaddr = qemu_plugin_tb_vaddr(tb);
	info->n = (uint32_t)n;
	info->hash = 2166136261u; /* FNV-1a, 32 bits: scripts/profile-attr.pl computes it too */
	qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec, QEMU_PLUGIN_CB_NO_REGS, info);
	for (uint32_t i = 0; i < info->n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		if (profile >= 0) {
			size_t size = qemu_plugin_insn_size(insn);
			const uint8_t *b = qemu_plugin_insn_data(insn);
			info->size[i] = (char)('0' + size);
			for (size_t j = 0; j < size; j++)
				info->hash = (info->hash ^ b[j]) * 16777619u;
		}
		int32_t num;
		if (!marker_number(insn, &num))
			continue;
		struct marker *m = calloc(1, sizeof(*m));
		if (m == NULL)
			continue;
		m->tb = info;
		m->index = i;
		m->n = num;
		m->next = __atomic_load_n(&markers, __ATOMIC_RELAXED);
		while (!__atomic_compare_exchange_n(&markers, &m->next, m, 0, __ATOMIC_RELEASE,
		                                    __ATOMIC_RELAXED))
			;
		qemu_plugin_register_vcpu_insn_exec_cb(insn, marker_exec, QEMU_PLUGIN_CB_NO_REGS,
		                                       m);
	}
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
	(void)info;
	for (int i = 0; i < argc; i++)
		if (strncmp(argv[i], "profile=", 8) == 0)
			profile = atoi(argv[i] + 8);
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	return 0;
}
