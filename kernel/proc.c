/*
 * Processes: the table, spawn (program from the initrd, argv on the stack),
 * and the end of life. A process that exits or is killed is stopped by the
 * hart that ran it, then torn down by the reaper coroutine; it stays a zombie
 * until its parent collects the exit status. Everything here except the
 * state changes under p->lock runs on the kernel executor (cpu 0), so the
 * parent/child links need no lock.
 */
#include <string.h>
#include "defs.h"
#include "memlayout.h"

_Static_assert(NPROC == VDS_NSLOTS, "a process slot is an outbox of the vDSO");

struct proc proc[NPROC];
struct proc *const kernel_proc = &proc[0]; /* parent of what the kernel spawns */
struct proc *init_proc = &proc[0];         /* adopts orphans: init, once it runs */
static int next_pid = 1;

/* Waiters for a child of `parent` to become a zombie (executor-owned list). */
struct child_waiter {
	struct proc *parent;
	struct vds_event ev;
	struct child_waiter *next;
};
static struct child_waiter *child_waiters;

static struct {
	struct spinlock lock;
	struct proc *head;
} dead = { .lock = SPINLOCK_INIT("dead") };
static struct vds_event reaper_ev;

void procinit(void)
{
	for (int i = 0; i < NPROC; i++) {
		initlock(&proc[i].lock, "proc");
		proc[i].slot = i;
		proc[i].cpu = -1;
	}
	kernel_proc->state = P_KERNEL;
	kernel_proc->pid = 0;
	strcpy(kernel_proc->name, "kernel");
}

/*
 * The slots whose `using` bits can be real: those of processes not yet torn
 * down (a stopped one may still hold a claimed cell, which its teardown
 * cancels and which a drain must not stop at), and not the kernel's: its
 * sends never hold a queue across a yield, and unregistering runs on the
 * same executor. Any other bit in a `using` set was written by a process
 * scribbling on shared data. Runs on the executor, where slots are taken
 * and given back.
 */
uint64_t proc_live_slots(void)
{
	uint64_t live = 0;
	for (int i = 1; i < NPROC; i++) {
		enum procstate st = proc[i].state;
		if (st != P_UNUSED && st != P_ZOMBIE && st != P_KERNEL)
			live |= 1ULL << i;
	}
	return live;
}

/* The process pid if it is alive: not being built, stopped, a zombie or
 * gone (a handler that waited must not touch anything else: a zombie's
 * page table is freed). */
struct proc *proc_alive(int pid)
{
	struct proc *p = proc_by_pid(pid);
	if (p == NULL)
		return NULL;
	enum procstate st = p->state;
	return st == P_RUNNABLE || st == P_RUNNING || st == P_BLOCKED ? p : NULL;
}

struct proc *pidmap[PIDMAP];

/* proc_by_pid() when the map's entry is not pid's. */
struct proc *proc_by_pid_slow(int pid)
{
	if (pid <= 0)
		return NULL;
	for (int i = 1; i < NPROC; i++) /* two live pids shared a map entry */
		if (proc[i].pid == pid && proc[i].state != P_UNUSED)
			return &proc[i];
	return NULL;
}

static struct proc *allocproc(void)
{
	for (int i = 1; i < NPROC; i++) {
		struct proc *p = &proc[i];
		acquire(&p->lock);
		if (p->state == P_UNUSED) {
			p->state = P_EMBRYO;
			p->pid = next_pid++;
			pidmap[(uint32_t)p->pid % PIDMAP] = p;
			p->killed = 0;
			p->wake_pending = 0;
			p->sleep_req = 0;
			p->yield_req = 0;
			p->ticks = 0;
			p->doorbells = 0;
			p->owed = 0;
			p->pend_head = p->pend_n = 0;
			p->blocking = 0;
			p->kq = NULL;
			p->sleeps = NULL;
			p->cpu = -1;
			memset(&p->exit, 0, sizeof(p->exit));
			release(&p->lock);
			return p;
		}
		release(&p->lock);
	}
	return NULL;
}

static void freeproc(struct proc *p)
{
	acquire(&p->lock);
	p->state = P_UNUSED;
	p->pid = 0;
	p->parent = NULL;
	p->name[0] = '\0';
	release(&p->lock);
}

/* Free what an embryo or stopped process holds in memory. */
static void release_memory(struct proc *p)
{
	if (p->pagetable)
		uvm_free(p->pagetable); /* also frees the trapframe page it maps */
	else if (p->tf)
		kfree(p->tf);
	p->pagetable = NULL;
	p->tf = NULL;
}

/* Copy n strings (each shorter than max) to the top of the stack at *sp,
 * their addresses into ptrs[0..n). */
static int push_strings(struct proc *p, uint64_t *sp, int n, char *const s[], size_t max,
                        uint64_t *ptrs)
{
	for (int i = n - 1; i >= 0; i--) {
		size_t len = strnlen(s[i], max);
		if (len == max)
			return -VDS_E2BIG;
		*sp -= len + 1;
		if (copyout(p->pagetable, *sp, s[i], len + 1) < 0)
			return -VDS_E2BIG;
		ptrs[i] = *sp;
	}
	return 0;
}

/* Build the initial stack: strings, then argv and its NULL, then the
 * environment and its NULL (envp = argv + argc + 1, as on Unix). */
static int push_args(struct proc *p, const struct spawn_args *a, uint64_t *sp_out)
{
	uint64_t sp = USTACK_TOP, ptrs[MAXARG + 1 + MAXENV + 1];
	int n = a->argc + 1 + a->envc + 1, r;
	if ((r = push_strings(p, &sp, a->envc, a->envp, MAXENVLEN, ptrs + a->argc + 1)) < 0 ||
	    (r = push_strings(p, &sp, a->argc, a->argv, MAXARGLEN, ptrs)) < 0)
		return r;
	ptrs[a->argc] = 0;
	ptrs[n - 1] = 0;
	sp -= (uint64_t)n * sizeof(uint64_t);
	sp &= ~15UL; /* the ABI wants a 16-byte aligned sp */
	if (copyout(p->pagetable, sp, ptrs, (size_t)n * sizeof(uint64_t)) < 0)
		return -VDS_E2BIG;
	*sp_out = sp;
	return 0;
}

/* Page table, trapframe, program and stack for p. */
static int build_image(struct proc *p, const void *elf, size_t elf_size, const struct spawn_args *a)
{
	uint64_t entry, end, sp;
	int r;
	if ((p->tf = kalloc()) == NULL || (p->pagetable = uvm_create()) == NULL)
		return -VDS_ENOMEM;
	if (mappages(p->pagetable, TRAPFRAME, PGSIZE, (uint64_t)p->tf, PTE_R | PTE_W) < 0)
		return -VDS_ENOMEM;
	usertrap_init(p);
	if ((r = elf_load(p->pagetable, elf, elf_size, &entry, &end)) < 0)
		return r;
	if ((r = kvdso_map_user(p)) < 0)
		return r;
	kvdso_outbox_give(p);
	if ((r = kq_register_proc(p)) < 0)
		return r;
	/* The stack, with an unmapped guard page below it. */
	r = uvm_alloc(p->pagetable, USTACK_TOP - USTACK_PAGES * PGSIZE, USTACK_PAGES * PGSIZE,
	              PTE_R | PTE_W | PTE_U);
	if (r < 0)
		return r;
	if ((r = push_args(p, a, &sp)) < 0)
		return r;
	p->heap_base = p->brk = end;
	p->tf->epc = entry;
	p->tf->x[REG_SP] = sp;
	p->tf->x[REG_A0] = (uint64_t)a->argc;
	p->tf->x[REG_A1] = sp; /* argv is at the bottom */
	p->tf->x[REG_A2] = p->vdso_base;
	return 0;
}

/*
 * Start program argv[0] from the initrd as a child of parent. Returns the
 * new pid, or a negative error (no such program, bad ELF, too many args,
 * out of memory or process slots). Runs on the kernel executor.
 */
int proc_spawn(struct proc *parent, int argc, char *const argv[])
{
	struct spawn_args a = { .argc = argc, .argv = argv };
	return proc_spawn_args(parent, &a);
}

/* The same with an environment, and the program either a->image (an ELF
 * in kernel memory, a->image_size bytes) or argv[0] from the initrd. */
int proc_spawn_args(struct proc *parent, const struct spawn_args *a)
{
	const void *elf = a->image;
	size_t size = a->image_size;
	if (a->argc < 1 || a->argc > MAXARG || a->envc < 0 || a->envc > MAXENV)
		return a->argc < 1 || a->envc < 0 ? -VDS_EINVAL : -VDS_E2BIG;
	if (elf == NULL && initrd_find(a->argv[0], &elf, &size) < 0)
		return -VDS_ENOENT;
	if (parent != kernel_proc) {
		int children = 0;
		for (int i = 1; i < NPROC; i++)
			children += proc[i].parent == parent && proc[i].state != P_UNUSED;
		if (children >= CHILDREN_MAX)
			return -VDS_EAGAIN; /* a bound per process: nobody takes every slot */
	}
	struct proc *p = allocproc();
	if (p == NULL)
		return -VDS_EAGAIN;
	const char *base = strrchr(a->argv[0], '/'); /* "/bin/ls" is called ls */
	strncpy(p->name, base ? base + 1 : a->argv[0], PROC_NAME_LEN - 1);
	p->name[PROC_NAME_LEN - 1] = '\0';
	int r = build_image(p, elf, size, a);
	if (r < 0) {
		kq_unregister(p->pid);
		kvdso_outbox_reap(p);
		release_memory(p);
		freeproc(p);
		return r;
	}
	p->parent = parent;
	int pid = p->pid;
	proc_start(p);
	return pid;
}

/* ---- end of life ---- */

/* Called with p->lock held by the hart that stopped p. */
void reaper_push(struct proc *p)
{
	acquire(&dead.lock);
	p->rq_next = dead.head;
	dead.head = p;
	release(&dead.lock);
	VDS(event_signal)(&reaper_ev);
}

static void wake_child_waiters(struct proc *parent)
{
	for (struct child_waiter *w = child_waiters; w; w = w->next)
		if (w->parent == parent)
			VDS(event_signal)(&w->ev);
}

/* Stopped -> zombie: free memory, orphan children, tell the parent. */
static void teardown(struct proc *p)
{
	/* Its unpublished claims are cancelled, then its own queue goes
	 * (deferred if a sender is inside). */
	kvdso_outbox_reap(p);
	kq_unregister(p->pid);
	KVDS(name_purge)(p->pid);
	console_abort_readers(p->pid);
	for (struct ksleeper *s = p->sleeps; s; s = s->next)
		VDS(event_signal)(&s->ev); /* its sleeps end now, not in an hour */
	p->sleeps = NULL;
	release_memory(p);
	/* Its children go to init, which reaps them (like Unix); with no init
	 * alive, nobody will wait: they are freed when they end. */
	struct proc *adopter = init_proc;
	if (adopter == p || adopter->state == P_STOPPED || adopter->state == P_ZOMBIE ||
	    adopter->state == P_UNUSED)
		adopter = NULL;
	int adopted_zombie = 0;
	for (int i = 1; i < NPROC; i++) {
		struct proc *c = &proc[i];
		if (c->parent != p || c->state == P_UNUSED)
			continue;
		c->parent = adopter;
		if (c->state == P_ZOMBIE) {
			if (adopter == NULL)
				freeproc(c);
			else
				adopted_zombie = 1;
		}
	}
	if (adopted_zombie)
		wake_child_waiters(adopter);
	wake_child_waiters(p); /* p's own waiters now find no children */
	acquire(&p->lock);
	p->state = P_ZOMBIE;
	release(&p->lock);
	if (p->parent == NULL)
		freeproc(p);
	else
		wake_child_waiters(p->parent);
}

static void reaper(void *arg)
{
	(void)arg;
	for (;;) {
		/* A queue whose unregister was deferred (a live sender was inside)
		 * is retried every tick until it finishes. */
		if (kq_retry() > 0)
			kwait_event_timeout(&reaper_ev, 1000000000ULL / TICK_HZ);
		else
			VDS(event_wait)(&reaper_ev);
		acquire(&dead.lock);
		struct proc *list = dead.head;
		dead.head = NULL;
		release(&dead.lock);
		while (list) {
			struct proc *next = list->rq_next;
			teardown(list);
			list = next;
		}
	}
}

void reaper_start(void)
{
	if (VDS(co_spawn)(reaper, NULL, "reaper", KCORO_STACK_PAGES * PGSIZE) < 0)
		panic("reaper_start: no memory");
}

/* A zombie child of parent matching pid (-1: any): collect it. 0 if none yet,
 * -VDS_ECHILD if no such child exists at all. */
static int collect(struct proc *parent, int pid, struct exitinfo *out)
{
	int found = 0;
	for (int i = 1; i < NPROC; i++) {
		struct proc *c = &proc[i];
		if (c->parent != parent || c->state == P_UNUSED || (pid != -1 && c->pid != pid))
			continue;
		found = 1;
		if (c->state == P_ZOMBIE) {
			int cpid = c->pid;
			if (out)
				*out = c->exit;
			freeproc(c);
			return cpid;
		}
	}
	return found ? 0 : -VDS_ECHILD;
}

/* Wait for a child of parent (pid, or -1 for any) to end. Kernel coroutine only. */
int proc_wait(struct proc *parent, int pid, struct exitinfo *out)
{
	struct child_waiter w = { .parent = parent, .ev = { VDS_EVENT_IDLE } };
	int r, me = parent->pid;
	w.next = child_waiters;
	child_waiters = &w;
	while ((r = collect(parent, pid, out)) == 0) {
		VDS(event_wait)(&w.ev);
		if (parent->pid != me || parent->state == P_STOPPED || parent->state == P_ZOMBIE ||
		    parent->state == P_UNUSED) {
			r = -VDS_ECHILD; /* the waiter itself ended (its slot may be reused) */
			break;
		}
	}
	for (struct child_waiter **pp = &child_waiters; *pp; pp = &(*pp)->next) {
		if (*pp == &w) {
			*pp = w.next;
			break;
		}
	}
	return r;
}

/* Is p a descendant of ancestor (a child, a grandchild, ...)? */
int proc_descends(struct proc *p, struct proc *ancestor)
{
	for (int depth = 0; p != NULL && depth < NPROC; depth++, p = p->parent)
		if (p->parent == ancestor)
			return 1;
	return 0;
}

/* Stop process pid with reason `killed`. */
int proc_kill_pid(int pid, int reason)
{
	struct proc *p = proc_by_pid(pid);
	if (p == NULL || p->state == P_ZOMBIE)
		return -VDS_ESRCH;
	struct exitinfo why = { .code = -1, .reason = reason };
	proc_kill(p, &why);
	return 0;
}
