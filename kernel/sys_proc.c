/*
 * System calls about processes: exit, spawn, wait, getpid, kill, yield, ps.
 * Each runs in a kernel coroutine with the requester p and its request m
 * (the kernel's own copy). Every argument is checked; user memory is read
 * and written only through p's page table. A handler that blocks must not
 * use p afterwards: the process may be gone (look it up again by pid).
 */
#include <string.h>
#include "defs.h"
#include <vdsos/sys.h>

int64_t ksys_exit(struct proc *p, const struct vds_sqe *m)
{
	struct exitinfo why = { .code = (int32_t)m->arg[0], .reason = EXIT_NORMAL };
	proc_kill(p, &why);
	return KSYS_NO_REPLY; /* it will not run again to read one */
}

/* argv: argc user pointers to NUL-terminated strings, all copied in. */
/* Copy n strings of at most max bytes from the user array at uptr into
 * buf (n * max bytes), pointing out[0..n) at them. */
static int copy_strings(struct proc *p, uint64_t uptr, int64_t n, size_t max, char *buf, char **out)
{
	uint64_t ptrs[MAXENV > MAXARG ? MAXENV : MAXARG];
	if (copyin(p->pagetable, ptrs, uptr, (size_t)n * sizeof(uint64_t)) < 0)
		return -VDS_EFAULT;
	for (int i = 0; i < n; i++) {
		int r = copyinstr(p->pagetable, buf + i * max, ptrs[i], max);
		if (r < 0)
			return r == -VDS_ERANGE ? -VDS_E2BIG : r;
		out[i] = buf + i * max;
	}
	out[n] = NULL;
	return 0;
}

/* Handlers run one at a time on the kernel's poller: one set of buffers. */
static char args[MAXARG][MAXARGLEN], envs[MAXENV][MAXENVLEN];

int64_t ksys_spawn(struct proc *p, const struct vds_sqe *m)
{
	int64_t argc = (int64_t)m->arg[1];
	char *argv[MAXARG + 1];
	if (argc < 1 || argc > MAXARG)
		return argc < 1 ? -VDS_EINVAL : -VDS_E2BIG;
	int r = copy_strings(p, m->arg[0], argc, MAXARGLEN, args[0], argv);
	return r < 0 ? r : proc_spawn(p, (int)argc, argv);
}

/* Spawn with an environment, and perhaps an image from the caller's
 * memory: copied once into the kernel, then checked and loaded from that
 * copy exactly as an initrd program is (the caller cannot change it under
 * the check). */
int64_t ksys_spawnx(struct proc *p, const struct vds_sqe *m)
{
	struct vds_spawn s;
	char *argv[MAXARG + 1], *envp[MAXENV + 1];
	if (copyin(p->pagetable, &s, m->arg[0], sizeof(s)) < 0)
		return -VDS_EFAULT;
	if (s.argc < 1 || s.envc < 0 || (s.envc > 0 && s.envp == NULL))
		return -VDS_EINVAL;
	if (s.argc > MAXARG || s.envc > MAXENV)
		return -VDS_E2BIG;
	int r = copy_strings(p, (uint64_t)(uintptr_t)s.argv, s.argc, MAXARGLEN, args[0], argv);
	if (r == 0)
		r = copy_strings(p, (uint64_t)(uintptr_t)s.envp, s.envc, MAXENVLEN, envs[0], envp);
	if (r < 0)
		return r;
	struct spawn_args a = { .argc = s.argc, .argv = argv, .envc = s.envc, .envp = envp };
	if (s.image != NULL) {
		if (s.image_size == 0 || s.image_size > VDS_SPAWN_IMAGEMAX)
			return s.image_size == 0 ? -VDS_ENOEXEC : -VDS_EFBIG;
		void *elf = kmalloc(s.image_size);
		if (elf == NULL)
			return -VDS_ENOMEM;
		if (copyin(p->pagetable, elf, (uint64_t)(uintptr_t)s.image, s.image_size) < 0) {
			kfree_obj(elf);
			return -VDS_EFAULT;
		}
		a.image = elf;
		a.image_size = s.image_size;
		r = proc_spawn_args(p, &a);
		kfree_obj(elf);
		return r;
	}
	return proc_spawn_args(p, &a);
}

int64_t ksys_initrd(struct proc *p, const struct vds_sqe *m)
{
	const char *name = initrd_name((int)(int64_t)m->arg[0]);
	const void *data;
	size_t size;
	uint64_t len = m->arg[3];
	if ((int64_t)m->arg[0] < 0 || name == NULL || initrd_find(name, &data, &size) < 0)
		return -VDS_ENOENT;
	char padded[VDS_INITRD_NAME] = { 0 };
	strncpy(padded, name, sizeof(padded) - 1);
	if (m->arg[1] != 0 && copyout(p->pagetable, m->arg[1], padded, sizeof(padded)) < 0)
		return -VDS_EFAULT;
	if (len > 0) {
		uint64_t n = len < size ? len : size;
		if (copyout(p->pagetable, m->arg[2], data, n) < 0)
			return -VDS_EFAULT;
	}
	return (int64_t)size;
}

int64_t ksys_wait(struct proc *p, const struct vds_sqe *m)
{
	int pid = (int)(int64_t)m->arg[0], me = p->pid;
	uint64_t ustatus = m->arg[1];
	struct exitinfo ei;
	if (pid < -1 || pid == 0)
		return -VDS_EINVAL;
	int r = proc_wait(p, pid, &ei); /* may block */
	p = proc_alive(me);
	if (p == NULL)
		return KSYS_NO_REPLY; /* the waiter itself is gone (or going) */
	if (r > 0 && ustatus != 0) {
		struct vds_exit st = {
			.code = ei.code, .reason = ei.reason, .scause = ei.scause, .stval = ei.stval
		};
		if (copyout(p->pagetable, ustatus, &st, sizeof(st)) < 0)
			return -VDS_EFAULT; /* the child is collected all the same */
	}
	return r;
}

int64_t ksys_getpid(struct proc *p, const struct vds_sqe *m)
{
	(void)m;
	return p->pid;
}

/* A process may stop its own descendants only (docs/SYSCALLS.md): not its
 * parent, a sibling, init, or a server it did not start. */
int64_t ksys_kill(struct proc *p, const struct vds_sqe *m)
{
	int pid = (int)(int64_t)m->arg[0];
	if (pid <= 0 || pid == p->pid)
		return -VDS_EINVAL;
	struct proc *t = proc_by_pid(pid);
	if (t == NULL || t->state == P_ZOMBIE)
		return -VDS_ESRCH;
	if (!proc_descends(t, p))
		return -VDS_EPERM;
	return proc_kill_pid(pid, EXIT_KILLED);
}

/* End the machine with status code (the shell's halt). */
int64_t ksys_halt(struct proc *p, const struct vds_sqe *m)
{
	kprintf("halted by pid %d (%s), status %d\n", p->pid, p->name, (int)m->arg[0]);
	machine_exit((int)m->arg[0]);
}

int64_t ksys_yield(struct proc *p, const struct vds_sqe *m)
{
	(void)m;
	acquire(&p->lock);
	/* atomic: sched_after_trap() reads it without the lock */
	__atomic_store_n(&p->yield_req, 1, __ATOMIC_RELAXED);
	if (p->state == P_RUNNING && p->cpu >= 0 && &cpus[p->cpu] != mycpu())
		sbi_send_ipi(cpus[p->cpu].hartid); /* trap now, then requeue */
	release(&p->lock);
	return 0;
}

static int ps_state(enum procstate s)
{
	switch (s) {
	case P_RUNNABLE:
		return VDS_PS_RUNNABLE;
	case P_RUNNING:
		return VDS_PS_RUNNING;
	case P_BLOCKED:
		return VDS_PS_BLOCKED;
	case P_ZOMBIE:
		return VDS_PS_ZOMBIE;
	default:
		return VDS_PS_EXITING;
	}
}

/* LAB sysinfo: BEGIN the kernel's side of sys_sysinfo */
int64_t ksys_sysinfo(struct proc *p, const struct vds_sqe *m)
{
	struct vds_sysinfo info = { .free_bytes = kfree_pages() * PGSIZE,
		                    .uptime_ns = now_ns(),
		                    .ncpu = (uint32_t)ncpu };
	for (int i = 1; i < NPROC; i++) /* the processes sys_ps lists */
		info.nproc += proc[i].state != P_UNUSED && proc[i].state != P_EMBRYO;
	return copyout(p->pagetable, m->arg[0], &info, sizeof(info));
}
/* LAB sysinfo: END */

int64_t ksys_ps(struct proc *p, const struct vds_sqe *m)
{
	uint64_t uout = m->arg[0];
	int64_t max = (int64_t)m->arg[1];
	if (max < 0)
		return -VDS_EINVAL;
	int n = 0;
	for (int i = 1; i < NPROC && n < max; i++) {
		struct proc *q = &proc[i];
		if (q->state == P_UNUSED || q->state == P_EMBRYO)
			continue;
		struct vds_psinfo info = { .pid = q->pid,
			                   .ppid = q->parent ? q->parent->pid : 0,
			                   .state = ps_state(q->state),
			                   .cpu = q->cpu,
			                   .ticks = q->ticks,
			                   .doorbells = q->doorbells };
		memcpy(info.name, q->name, sizeof(info.name));
		if (copyout(p->pagetable, uout + (uint64_t)n * sizeof(info), &info, sizeof(info)) <
		    0)
			return -VDS_EFAULT;
		n++;
	}
	return n;
}
