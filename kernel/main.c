/*
 * Boot. OpenSBI enters _start (entry.S) on one hart, chosen by lottery, with
 * a0 = hartid and a1 = the device tree. kmain() sets up this hart and the
 * machine, starts the other harts through SBI HSM, and becomes the
 * scheduler. Boot hart = logical cpu 0 = the kernel executor's hart.
 */
#include <string.h>
#include "defs.h"
#include "fdt.h"
#include "asm.h"

extern char __tdata_start[], __tdata_end[], __tls_size[];

struct cpu cpus[NCPU_MAX];
int ncpu;

/* tp -> this cpu's copy of the TLS template (picolibc keeps errno there).
 * mycpu() reads tp without `volatile` (proc.h): a function must not call
 * it before this, lest a later call reuse the early read. */
static __attribute__((noinline)) void tls_init(struct cpu *c)
{
	size_t tdata = (size_t)(__tdata_end - __tdata_start);
	memcpy(c->tls, __tdata_start, tdata);
	memset(c->tls + tdata, 0, sizeof(c->tls) - tdata);
	__asm__ volatile("mv tp, %0" ::"r"(c->tls));
}

/* End QEMU through the sifive_test device: 0 passes, anything else fails. */
void machine_exit(int code)
{
	volatile uint32_t *test = (volatile uint32_t *)bootinfo.test_base;
	if (test) {
		*test = code == 0 ? 0x5555 : (((uint32_t)code << 16) | 0x3333);
	}
	for (;;)
		wfi();
}

static void early_puts(const char *s)
{
	while (*s)
		sbi_console_putchar(*s++);
}

/* Logical cpu 0 must be the boot hart; the device tree lists harts in any order. */
static void order_harts(uint64_t boot_hartid)
{
	for (int i = 0; i < bootinfo.ncpu; i++) {
		if (bootinfo.hartid[i] == boot_hartid) {
			bootinfo.hartid[i] = bootinfo.hartid[0];
			bootinfo.hartid[0] = boot_hartid;
			int ctx = bootinfo.plic_context[i];
			bootinfo.plic_context[i] = bootinfo.plic_context[0];
			bootinfo.plic_context[0] = ctx;
		}
	}
	ncpu = bootinfo.ncpu;
	for (int i = 0; i < ncpu; i++) {
		cpus[i].id = i;
		cpus[i].hartid = bootinfo.hartid[i];
	}
}

static void hart_stacks(void)
{
	for (int i = 0; i < ncpu; i++) {
		void *lo = kstack_alloc(HART_STACK_PAGES);
		if (lo == NULL)
			panic("no memory for hart stacks");
		cpus[i].stack_top = (uint64_t)lo + HART_STACK_PAGES * PGSIZE;
	}
}

/* Read by entry.S when a hart enters at _start by mistake (see there). */
struct cpu *cpu_of_hart[HARTID_TABLE];

static void start_secondaries(void)
{
	extern char _start_secondary[];
	for (int i = 1; i < ncpu; i++) {
		if (cpus[i].hartid >= HARTID_TABLE) {
			kprintf("hart %lu: id too large to start\n", cpus[i].hartid);
			continue;
		}
		__atomic_store_n(&cpu_of_hart[cpus[i].hartid], &cpus[i], __ATOMIC_RELEASE);
		long err =
		    sbi_hart_start(cpus[i].hartid, (uint64_t)_start_secondary, (uint64_t)&cpus[i]);
		if (err)
			kprintf("hart %lu: SBI hart_start failed (%ld)\n", cpus[i].hartid, err);
	}
}

static void hart_report(struct cpu *c)
{
	kprintf("hart %lu is cpu %d: online\n", c->hartid, c->id);
	__atomic_store_n(&c->started, 1, __ATOMIC_RELEASE);
}

void secondary_main(struct cpu *c)
{
	tls_init(c);
	trapinithart();
	plic_inithart();
	timer_inithart();
	hart_report(c);
	scheduler();
}

/* The boot hart continues here on its own stack in the guarded window. */
static void boot_continue(void *arg)
{
	(void)arg;
	struct cpu *c = mycpu();
	kexec_dedicated = ncpu >= 2;
	kexec_init();
	reaper_start();
	void (*main_fn)(void *) = init_main;
	if (bootargs_has("test"))
		main_fn = ktest_main;
	else if (bootargs_has("bench"))
		main_fn = bench_main;
	if (kspawn(main_fn, NULL, "main") < 0)
		panic("cannot start the main coroutine");
	start_secondaries();
	timer_inithart();
	hart_report(c);
	scheduler();
}

void kmain(uint64_t hartid, void *fdt)
{
	tls_init(&cpus[0]);
	int r = fdt_parse(fdt, FDT_MAX_SIZE, &bootinfo);
	if (r < 0 || bootinfo.uart_base == 0) {
		early_puts("vdsOS: cannot read the device tree (error ");
		sbi_console_putchar('0' + (r < 0 ? -r : 0));
		early_puts("); halting\n");
		for (;;)
			wfi();
	}
	if ((size_t)__tls_size > CPU_TLS_SIZE) {
		early_puts("vdsOS: TLS template larger than CPU_TLS_SIZE\n");
		for (;;)
			wfi();
	}
	order_harts(hartid);
	uart_init(bootinfo.uart_base);
	kprintf("\nvdsOS: %d hart%s, %lu MiB RAM at 0x%lx, timebase %lu Hz\n", ncpu,
	        ncpu > 1 ? "s" : "", bootinfo.ram_size >> 20, bootinfo.ram_base,
	        bootinfo.timebase_hz);
	kinit();
	random_init();
	kvminit();
	kvminithart();
	trapinit();
	hart_stacks();
	trapinithart();
	plic_init();
	plic_inithart();
	procinit();
	call_on_stack(cpus[0].stack_top, boot_continue, NULL);
}

/* Normal boot: run init; when it ends, so does the machine. */
void init_main(void *arg)
{
	(void)arg;
	char *argv[] = { "init", NULL };
	int pid = proc_spawn(kernel_proc, 1, argv);
	if (pid < 0)
		panic("cannot start init: %d", pid);
	init_proc = proc_by_pid(pid); /* adopts orphans from now on */
	struct exitinfo ei;
	proc_wait(kernel_proc, pid, &ei);
	kprintf("init exited (code %d); shutting down\n", ei.code);
	machine_exit(ei.reason == EXIT_NORMAL ? ei.code : 1);
}
