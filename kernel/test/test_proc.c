/* Processes: the ELF loader, spawn and exit, preemption, kill, wait. */
#include <elf.h>
#include <stdio.h>
#include <string.h>
#include "tests.h"

/* A private copy of a program from the initrd, to damage. */
static void *image_copy(const char *name, size_t *size)
{
	const void *elf;
	if (initrd_find(name, &elf, size) < 0)
		return NULL;
	void *copy = kmalloc(*size);
	if (copy)
		memcpy(copy, elf, *size);
	return copy;
}

static Elf64_Phdr *first_load(void *img, int nth)
{
	Elf64_Ehdr *eh = img;
	Elf64_Phdr *ph = (Elf64_Phdr *)((char *)img + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && nth-- == 0)
			return &ph[i];
	return NULL;
}

/* Every program in the initrd is a valid image. */
int test_elf_accept(void)
{
	const char *name;
	uint64_t entry, end;
	int n = 0;
	for (int i = 0; (name = initrd_name(i)) != NULL; i++, n++) {
		const void *elf;
		size_t size;
		KT_EQ(initrd_find(name, &elf, &size), 0);
		if (elf_check(elf, size, &entry, &end) != 0)
			KT_FAIL("%s rejected", name);
	}
	KT_ASSERT(n >= 5);
	return 0;
}

/* Truncated, wrong-machine, overlapping, W+X and lying images are refused. */
int test_elf_reject(void)
{
	size_t size;
	uint64_t entry, end;
	Elf64_Ehdr *img = image_copy("exit7", &size);
	KT_ASSERT(img != NULL);
	KT_EQ(elf_check(img, size, &entry, &end), 0);

	KT_EQ(elf_check(img, 40, &entry, &end), -VDS_ENOEXEC);               /* header cut */
	KT_EQ(elf_check(img, img->e_phoff + 8, &entry, &end), -VDS_ENOEXEC); /* phdrs cut */
	Elf64_Phdr *text = first_load(img, 0), *data = first_load(img, 2);
	KT_ASSERT(text && data);
	KT_EQ(elf_check(img, text->p_offset + 1, &entry, &end), -VDS_ENOEXEC); /* segment cut */

	img->e_machine = EM_X86_64;
	KT_EQ(elf_check(img, size, &entry, &end), -VDS_ENOEXEC);
	img->e_machine = EM_RISCV;

	uint64_t save = data->p_vaddr;
	data->p_vaddr = text->p_vaddr + 16; /* overlaps the text segment */
	KT_EQ(elf_check(img, size, &entry, &end), -VDS_ENOEXEC);
	data->p_vaddr = 0x80200000; /* kernel address */
	KT_EQ(elf_check(img, size, &entry, &end), -VDS_ENOEXEC);
	data->p_vaddr = ~0UL - 0x100; /* wraps around */
	KT_EQ(elf_check(img, size, &entry, &end), -VDS_ENOEXEC);
	data->p_vaddr = save;

	text->p_flags |= PF_W; /* writable and executable */
	KT_EQ(elf_check(img, size, &entry, &end), -VDS_ENOEXEC);
	text->p_flags &= ~PF_W;

	uint64_t fsz = text->p_filesz;
	text->p_filesz = text->p_memsz + 1; /* file part larger than memory part */
	KT_EQ(elf_check(img, size, &entry, &end), -VDS_ENOEXEC);
	text->p_filesz = fsz;

	img->e_entry = data->p_vaddr; /* entry in a non-executable segment */
	KT_EQ(elf_check(img, size, &entry, &end), -VDS_ENOEXEC);
	kfree_obj(img);
	return 0;
}

/* 100 spawn/exit cycles leave free pages and the kernel heap where they were. */
int test_spawn_exit_cycles(void)
{
	char *argv[] = { "exit7", NULL };
	struct exitinfo ei;
	KT_ASSERT(kt_run(1, argv, &ei) > 0); /* warm-up: lazily built tables */
	uint64_t pages = kfree_pages();
	size_t heap = kheap_in_use();
	for (int i = 0; i < 100; i++) {
		int pid = kt_run(1, argv, &ei);
		KT_ASSERT(pid > 0);
		KT_EQ(ei.reason, EXIT_NORMAL);
		KT_EQ(ei.code, 7);
	}
	KT_EQ(kfree_pages(), pages);
	KT_EQ(kheap_in_use(), heap);
	return 0;
}

/* Spawn errors come back as codes and leak nothing. */
int test_spawn_errors(void)
{
	uint64_t pages = kfree_pages();
	char *none[] = { "no-such-program", NULL };
	KT_EQ(proc_spawn(kernel_proc, 1, none), -VDS_ENOENT);
	char *many[MAXARG + 2];
	for (int i = 0; i < MAXARG + 1; i++)
		many[i] = "exit7";
	many[MAXARG + 1] = NULL;
	KT_EQ(proc_spawn(kernel_proc, MAXARG + 1, many), -VDS_E2BIG);
	static char longarg[MAXARGLEN + 10];
	memset(longarg, 'x', sizeof(longarg) - 1);
	char *toolong[] = { "exit7", longarg, NULL };
	KT_EQ(proc_spawn(kernel_proc, 2, toolong), -VDS_E2BIG);
	KT_EQ(proc_wait(kernel_proc, 123456, NULL), -VDS_ECHILD);
	KT_EQ(kfree_pages(), pages);
	return 0;
}

/* Two CPU-bound processes both run (preemption), then kill stops both. */
int test_preempt_and_kill(void)
{
	char *argv[] = { "spin", NULL };
	int a = proc_spawn(kernel_proc, 1, argv), b = proc_spawn(kernel_proc, 1, argv);
	KT_ASSERT(a > 0 && b > 0);
	ksleep_ns(300ULL * 1000 * 1000);
	struct proc *pa = proc_by_pid(a), *pb = proc_by_pid(b);
	KT_ASSERT(pa && pb);
	uint64_t ta = pa->ticks, tb = pb->ticks;
	KT_EQ(proc_kill_pid(a, EXIT_KILLED), 0);
	KT_EQ(proc_kill_pid(b, EXIT_KILLED), 0);
	struct exitinfo ei;
	KT_EQ(proc_wait(kernel_proc, a, &ei), a);
	KT_EQ(ei.reason, EXIT_KILLED);
	KT_EQ(proc_wait(kernel_proc, b, &ei), b);
	KT_EQ(ei.reason, EXIT_KILLED);
	if (ta == 0 || tb == 0)
		KT_FAIL("no progress: %lu and %lu ticks", ta, tb);
	KT_EQ(proc_kill_pid(a, EXIT_KILLED), -VDS_ESRCH);
	return 0;
}

/*
 * Processes that trap without end (classic null calls: each trap goes back
 * without taking the process's lock) are stopped by a kill from another
 * hart all the same, and so are they on one hart.
 */
int test_kill_trapping(void)
{
	char *argv[] = { "spin", "ecall", NULL };
	int pid[2];
	for (int i = 0; i < 2; i++)
		KT_ASSERT((pid[i] = proc_spawn(kernel_proc, 2, argv)) > 0);
	ksleep_ns(100ULL * 1000 * 1000);
	for (int i = 0; i < 2; i++) {
		struct proc *p = proc_by_pid(pid[i]);
		KT_ASSERT(p != NULL);
		if (p->doorbells == 0)
			KT_FAIL("pid %d made no calls", pid[i]);
	}
	for (int i = 0; i < 2; i++)
		KT_EQ(proc_kill_pid(pid[i], EXIT_KILLED), 0);
	struct exitinfo ei;
	for (int i = 0; i < 2; i++) {
		KT_EQ(proc_wait(kernel_proc, pid[i], &ei), pid[i]);
		KT_EQ(ei.reason, EXIT_KILLED);
	}
	return 0;
}

/* A stand-in for init in the test kernel (init noshell: it reaps what it
 * adopts), made the kernel's adopter of orphans. */
static int start_init(void)
{
	char *argv[] = { "init", "noshell", NULL };
	int pid = proc_spawn(kernel_proc, 2, argv);
	if (pid > 0)
		init_proc = proc_by_pid(pid);
	return pid;
}

static int stop(int pid)
{
	struct exitinfo ei;
	return proc_kill_pid(pid, EXIT_KILLED) == 0 && proc_wait(kernel_proc, pid, &ei) == pid;
}

static int live_procs(void)
{
	int n = 0;
	for (int i = 1; i < NPROC; i++)
		n += proc[i].state != P_UNUSED;
	return n;
}

/* Only a caller's descendants are its to kill: not init, not its parent,
 * not a sibling, not an unrelated server, not a pid that does not exist;
 * its child and grandchild it may, and both are reaped. */
int test_kill_authority(void)
{
	int init = start_init();
	char *spin[] = { "qtest", "spin", NULL };
	int server = proc_spawn(kernel_proc, 2, spin);
	KT_ASSERT(init > 0 && server > 0);
	char a[16], b[16];
	snprintf(a, sizeof(a), "%d", init);
	snprintf(b, sizeof(b), "%d", server);
	char *argv[] = { "killtest", "parent", a, b, NULL };
	struct exitinfo ei;
	int t = proc_spawn(kernel_proc, 4, argv);
	KT_ASSERT(t > 0);
	KT_EQ(proc_wait(kernel_proc, t, &ei), t);
	KT_EQ(ei.reason, EXIT_NORMAL);
	KT_EQ(ei.code, 0);
	struct proc *pi = proc_by_pid(init), *ps = proc_by_pid(server);
	KT_ASSERT(pi && pi->state != P_ZOMBIE && ps && ps->state != P_ZOMBIE); /* still there */
	KT_ASSERT(stop(server));
	init_proc = kernel_proc;
	KT_ASSERT(stop(init));
	return 0;
}

/* A parent exits leaving 10 running children: init adopts them and reaps
 * each when it ends; the process table comes back to where it was. */
int test_orphans(void)
{
	int init = start_init();
	KT_ASSERT(init > 0);
	int before = live_procs();
	char *argv[] = { "killtest", "orphans", "10", NULL };
	struct exitinfo ei;
	int p = proc_spawn(kernel_proc, 3, argv);
	KT_ASSERT(p > 0);
	KT_EQ(proc_wait(kernel_proc, p, &ei), p);
	KT_EQ(ei.code, 0);
	int adopted = 0;
	for (int i = 1; i < NPROC; i++)
		adopted += proc[i].parent == init_proc && proc[i].state != P_UNUSED;
	KT_EQ(adopted, 10);
	for (int tries = 0; tries < 300 && live_procs() != before; tries++)
		ksleep_ns(10 * 1000 * 1000);
	KT_EQ(live_procs(), before); /* every orphan reaped */
	init_proc = kernel_proc;
	KT_ASSERT(stop(init));
	return 0;
}

static uint64_t fast_waits(void)
{
	uint64_t n = 0;
	for (int i = 0; i < ncpu; i++)
		n += __atomic_load_n(&cpus[i].fast_waits, __ATOMIC_RELAXED);
	return n;
}

/*
 * A process that wakes another as it goes to sleep hands it its hart
 * (proc_wake's handoff): with one hart for processes, a ping-pong pair
 * switches directly, past the run queue, in every round trip, nearly
 * always by the doorbell's fast path (sched_wait_fast). And a process
 * that computes all the while still gets its turns.
 */
int test_sched_handoff(void)
{
	char *argv[] = { "spin", NULL };
	int s = proc_spawn(kernel_proc, 1, argv);
	KT_ASSERT(s > 0);
	struct proc *ps = proc_by_pid(s);
	KT_ASSERT(ps);
	ksleep_ns(20ULL * 1000 * 1000);
	uint64_t h = __atomic_load_n(&sched_handoffs, __ATOMIC_RELAXED), t = ps->ticks;
	uint64_t f = fast_waits();
	const long n = 20000;
	KT_EQ(kt_wait_code(kt_spawnl("ping", "20000", NULL)), 0);
	uint64_t handoffs = __atomic_load_n(&sched_handoffs, __ATOMIC_RELAXED) - h;
	uint64_t fast = fast_waits() - f;
	uint64_t ticks = ps->ticks - t;
	KT_ASSERT(stop(s));
	kprintf(
	    "    # %ld round trips: %lu handoffs, %lu waits by the fast path; the spinner ran %lu "
	    "ticks meanwhile\n",
	    n, handoffs, fast, ticks);
	/* Processes share one hart with -smp 1 and 2 (cpu 0 is the kernel's). */
	if (ncpu <= 2 && handoffs < (uint64_t)n)
		KT_FAIL("%lu handoffs for %ld round trips", handoffs, n);
	if (ncpu <= 2 && fast < (uint64_t)n)
		KT_FAIL("%lu waits by the fast path for %ld round trips", fast, n);
	if (ticks == 0)
		KT_FAIL("the spinner never ran while the pair did");
	return 0;
}

/*
 * Kills while a pair switches directly: pong is killed in the middle of
 * 10^7 round trips, whatever hart's `next` it is in. Its client's call
 * ends with -EDEAD (ping exits 1), nothing hangs, and a new pair is served.
 */
int test_sched_handoff_kill(void)
{
	int ping = kt_spawnl("ping", "10000000", NULL);
	KT_ASSERT(ping > 0);
	uint64_t id = 0;
	for (int tries = 0; tries < 2000 && VDS(name_get)("pong", &id) < 0; tries++)
		ksleep_ns(1000000);
	KT_ASSERT(id > 0);
	uint64_t h = __atomic_load_n(&sched_handoffs, __ATOMIC_RELAXED);
	ksleep_ns(50ULL * 1000 * 1000);
	if (ncpu <= 2 && __atomic_load_n(&sched_handoffs, __ATOMIC_RELAXED) == h)
		KT_FAIL("no handoffs while the pair ran");
	KT_EQ(proc_kill_pid((int)id, EXIT_KILLED), 0);
	KT_EQ(kt_wait_code_within(ping, 10000), 1); /* "ping: round trip N: dead" */
	KT_EQ(kt_wait_code((int)id), -100 - EXIT_KILLED);
	KT_EQ(kt_wait_code(kt_spawnl("ping", "1000", NULL)), 0);
	return 0;
}
