/*
 * `make bench`: instruction counts measured in the kernel (booted with
 * "bench" on the command line, under QEMU -icount shift=0, where instret
 * counts guest instructions exactly). Prints "bench: ..." lines and exits.
 */
#include <stdio.h>
#include "defs.h"
#include "fdt.h"
#include "memlayout.h"
#include "../vdso/shared.h"
#include <vdsos/mark.h>

#define CALLS 10000

/* The same body as vds_nop, called directly: the baseline for a table call. */
__attribute__((noinline)) static uint64_t direct_nop(uint64_t x)
{
	__asm__ volatile("");
	return x + 1;
}

static uint64_t per_call(uint64_t start, uint64_t end)
{
	return (end - start + CALLS / 2) / CALLS;
}

static void bench_vdso_call(void)
{
	uint64_t x = 0, t0 = rdinstret();
	for (int i = 0; i < CALLS; i++)
		x = direct_nop(x);
	uint64_t t1 = rdinstret();
	for (int i = 0; i < CALLS; i++)
		x = VDS(nop)(x);
	uint64_t t2 = rdinstret();
	kprintf("bench: call, direct:             %lu instructions (loop included)\n",
	        per_call(t0, t1));
	kprintf("bench: call, vDSO function table: %lu instructions (loop included)\n",
	        per_call(t1, t2));
	if (x != 2 * CALLS)
		kprintf("bench: wrong result %lu\n", x);
}

/* One message through a queue and out again, from the kernel (no
 * contention): written in place in the kernel's outbox, referenced from
 * the queue, copied out and checked by the consumer. */
static void bench_queue(void)
{
	int id = 1000001;
	if (kq_register(id, 256, 0) < 0)
		return;
	const struct vds_qref *ref = kq_ref(id);
	struct vds_obstate *ob = kq_outbox(0); /* the kernel's outbox toward itself */
	static struct vds_consumer c;
	VDS(q_consumer)(ref, &c);
	struct vds_sqe m;
	struct vds_ticket t;
	uint64_t t0 = rdinstret();
	for (int i = 0; i < CALLS; i++) {
		KVDS(q_get)(ob, ref, &t);
		t.sqe->arg[0] = (uint64_t)i;
		VDS(sqe_release)(&t);
		VDS(q_pop)(&c, &m, 1);
	}
	uint64_t t1 = rdinstret();
	for (int i = 0; i < CALLS; i++) {
		kq_get(id, &t); /* with the kernel's lookup of its record */
		t.sqe->arg[0] = (uint64_t)i;
		kq_release(&t);
		VDS(q_pop)(&c, &m, 1);
	}
	uint64_t t2 = rdinstret();
	kprintf("bench: queue push+pop, held queue:       %lu instructions\n", per_call(t0, t1));
	kprintf("bench: queue push+pop, kernel lookup:    %lu instructions\n", per_call(t1, t2));
	if (c.stats.accepted != 2 * CALLS)
		kprintf("bench: queue lost messages (%lu of %d)\n", c.stats.accepted, 2 * CALLS);
	kq_unregister(id);
}

/*
 * The kernel's user copies (kernel/vm.c; lab fastcopy): 16 KiB out to a
 * process's pages, back in, and as a string, from an address that is not
 * page-aligned, so every copy crosses five pages.
 */
static void bench_copy(int window)
{
	enum { SIZE = 16 * 1024, VA = 0x100000, OFF = 64 };
	static char buf[SIZE];
	pagetable_t pt = uvm_create();
	if (pt == NULL || uvm_alloc(pt, VA, SIZE + PGSIZE, PTE_R | PTE_W | PTE_U) < 0) {
		kprintf("bench: copy: no memory\n");
		if (pt)
			uvm_free(pt);
		return;
	}
	for (int i = 0; i < SIZE - 1; i++)
		buf[i] = (char)('a' + i % 26);
	buf[SIZE - 1] = '\0';
	if (window)
		VDS_MARK_BEGIN(8); /* make profile WINDOW=8 */
	uint64_t t0 = rdinstret();
	int out = copyout(pt, VA + OFF, buf, SIZE);
	uint64_t t1 = rdinstret();
	int in = copyin(pt, buf, VA + OFF, SIZE);
	uint64_t t2 = rdinstret();
	int len = copyinstr(pt, buf, VA + OFF, SIZE);
	uint64_t t3 = rdinstret();
	if (window)
		VDS_MARK_END(8);
	uvm_free(pt);
	if (out != 0 || in != 0 || len != SIZE - 1 || buf[SIZE - 2] != 'a' + (SIZE - 2) % 26) {
		kprintf("bench: copy: wrong result (%d %d %d)\n", out, in, len);
		return;
	}
	kprintf("bench: copy: copyout %lu, copyin %lu, copyinstr %lu instructions per KiB\n",
	        (t1 - t0) / (SIZE / 1024), (t2 - t1) / (SIZE / 1024), (t3 - t2) / (SIZE / 1024));
	if (window) /* for make profile: the three copies, per KiB */
		kprintf("bench: window 8 user copies, per KiB: %d calls, %lu instructions, 0.00 "
		        "traps\n",
		        3 * SIZE / 1024, (t3 - t0) / (3 * SIZE / 1024));
}

static void bench_sizes(void)
{
	struct vds_info in;
	VDS(info)(&in);
	kprintf(
	    "bench: vDSO image layout: code at +0x0, local data at +0x%lx (%lu KiB), shared data "
	    "at +0x%lx (%lu KiB)\n",
	    in.local - in.base, in.local_size >> 10, in.shared - in.base, in.shared_size >> 10);
	kprintf("bench: shared data parts: kernel-owned +0x0, kernel outboxes +0x%lx, process "
	        "outboxes +0x%lx (8 KiB each), public +0x%lx\n",
	        (uint64_t) __builtin_offsetof(struct vds_shared_area, kbox),
	        (uint64_t)VDS_SH_OUTBOX(0), (uint64_t)VDS_SH_PUBLIC);
	uint64_t code, local, shared;
	kvdso_sizes(&code, &local, &shared);
	kprintf("bench: vDSO image: code %lu KiB, local data %lu KiB, shared data %lu KiB, "
	        "%lu exported functions\n",
	        code >> 10, local >> 10, shared >> 10, (uint64_t)VDS_NFUNCS);
}

/*
 * A loop of known length in window 900, three times: the marker, one li,
 * then 1000 rounds of four instructions. The plugin must count exactly
 * 4002 for each (scripts/run-tests.sh checks it).
 */
static void markloop(void)
{
	for (int k = 0; k < 3; k++)
		__asm__ volatile("slti x0, x0, 1800\n"
		                 "li t0, 1000\n"
		                 "1: addi t0, t0, -1\n"
		                 "nop\n"
		                 "nop\n"
		                 "bnez t0, 1b\n"
		                 "slti x0, x0, 1801\n" ::
		                     : "t0", "memory");
	kprintf("bench: markloop done\n");
}

void bench_main(void *arg)
{
	(void)arg;
	if (bootargs_has("markloop")) {
		markloop();
		machine_exit(0);
	}
	if (bootargs_has("copy")) {
		bench_copy(0);
		machine_exit(0);
	}
	kprintf("bench: %d hart%s\n", ncpu, ncpu > 1 ? "s" : "");
	kvdso_verbose = 1; /* make profile needs each process's vDSO base */
	kprintf("bench: kernel vdso base 0x%lx\n", (uint64_t)KVDSO_BASE);
	uint64_t only = bootargs_num("window", 0);
	if (only == 8) { /* the kernel's user copies: no program */
		bench_copy(1);
		machine_exit(0);
	}
	if (only == 0) {
		bench_sizes();
		bench_vdso_call();
		bench_queue();
		bench_copy(0);
	}
	char k[8];
	snprintf(k, sizeof(k), "%lu", only);
	char *argv[] = { "bench", k, NULL };
	struct exitinfo ei;
	int pid = proc_spawn(kernel_proc, only ? 2 : 1, argv);
	if (pid < 0 || proc_wait(kernel_proc, pid, &ei) < 0 || ei.code != 0)
		kprintf("bench: the user benchmark failed\n");
	machine_exit(0);
}
