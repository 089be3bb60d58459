/*
 * System calls for the console, time, memory, the name table and the null
 * call. Same rules as sys_proc.c: every argument checked, user memory only
 * through the requester's page table, p not used after blocking.
 */
#include <string.h>
#include "defs.h"
#include "memlayout.h"
#include <vdsos/sys.h>

#define WRITE_MAX 4096 /* bytes per write call; the runtime loops for more */
#define CHUNK     256  /* copied through a buffer of this size */
#define SLEEP_MAX (3600ULL * 1000000000ULL)

int64_t ksys_write(struct proc *p, const struct vds_sqe *m)
{
	uint64_t ubuf = m->arg[0], len = m->arg[1];
	char buf[CHUNK];
	if (len > WRITE_MAX)
		len = WRITE_MAX;
	for (uint64_t done = 0; done < len;) {
		size_t n = len - done < CHUNK ? (size_t)(len - done) : CHUNK;
		if (copyin(p->pagetable, buf, ubuf + done, n) < 0)
			return done ? (int64_t)done : -VDS_EFAULT;
		console_write(buf, n);
		done += n;
	}
	return (int64_t)len;
}

/* One line (or up to len bytes of it). Blocks until a line is typed. */
int64_t ksys_read(struct proc *p, const struct vds_sqe *m)
{
	uint64_t ubuf = m->arg[0], len = m->arg[1];
	int pid = p->pid;
	char buf[CHUNK];
	struct console_reader rd = { .pid = pid };
	if (len == 0)
		return 0;
	if (len > CHUNK)
		len = CHUNK;
	if (uvm_translate(p->pagetable, ubuf, PTE_W) == 0)
		return -VDS_EFAULT; /* refuse before taking input from the console */
	long n;
	while ((n = console_read_line(buf, len, &rd)) == -VDS_EAGAIN) {
		VDS(event_wait)(&rd.ev);
		if (proc_alive(pid) == NULL) {
			console_cancel_read(&rd);
			return KSYS_NO_REPLY; /* the reader died: leave the input for others */
		}
	}
	/* Alive still (the line is taken: a reader that died since loses it),
	 * not a zombie whose page table is gone. */
	p = proc_alive(pid);
	if (p == NULL)
		return KSYS_NO_REPLY;
	if (n > 0 && copyout(p->pagetable, ubuf, buf, (size_t)n) < 0)
		return -VDS_EFAULT;
	return n;
}

/* Sleep, cut short if the sleeper dies (teardown signals p->sleeps): a
 * dead process's sleeps give back their coroutines at once. */
int64_t ksys_sleep(struct proc *p, const struct vds_sqe *m)
{
	uint64_t ns = m->arg[0];
	int pid = p->pid;
	if (ns > SLEEP_MAX)
		return -VDS_EINVAL;
	struct ksleeper s = { .ev = VDS_EVENT_INIT, .next = p->sleeps };
	p->sleeps = &s;
	kwait_event_timeout(&s.ev, ns);
	p = proc_by_pid(pid); /* unlink s (teardown may have emptied the list already) */
	for (struct ksleeper **pp = p ? &p->sleeps : NULL; pp && *pp; pp = &(*pp)->next)
		if (*pp == &s) {
			*pp = s.next;
			break;
		}
	return proc_alive(pid) ? 0 : KSYS_NO_REPLY;
}

int64_t ksys_clock(struct proc *p, const struct vds_sqe *m)
{
	(void)p, (void)m;
	return (int64_t)now_ns();
}

/* Grow or shrink the heap [heap_base, brk); returns the old brk. */
int64_t ksys_sbrk(struct proc *p, const struct vds_sqe *m)
{
	int64_t incr = (int64_t)m->arg[0];
	uint64_t old = p->brk, size = incr < 0 ? 0 - (uint64_t)incr : (uint64_t)incr;
	/* Compare sizes, not addresses: old + incr could wrap around. */
	if ((incr > 0 && size > p->heap_base + UHEAP_MAX - old) ||
	    (incr < 0 && size > old - p->heap_base))
		return -VDS_ENOMEM;
	uint64_t new = incr < 0 ? old - size : old + size;
	uint64_t lo = PGROUNDUP(old), hi = PGROUNDUP(new);
	if (hi > lo) {
		if (uvm_alloc(p->pagetable, lo, hi - lo, PTE_R | PTE_W | PTE_U) < 0) {
			uvm_unmap(p->pagetable, lo, hi - lo);
			return -VDS_ENOMEM;
		}
	} else if (hi < lo) {
		uvm_unmap(p->pagetable, hi, lo - hi);
		sbi_remote_sfence_vma_all(); /* it may be running on another hart */
	}
	p->brk = new;
	return (int64_t)old;
}

int64_t ksys_nop(struct proc *p, const struct vds_sqe *m)
{
	(void)p;
	return (int64_t)m->arg[0] + 1;
}

int64_t ksys_name_set(struct proc *p, const struct vds_sqe *m)
{
	char name[VDS_NAME_MAX];
	int r = copyinstr(p->pagetable, name, m->arg[0], sizeof(name));
	if (r < 0)
		return r == -VDS_ERANGE ? -VDS_ENAMETOOLONG : r;
	return KVDS(name_set)(name, m->arg[1], p->pid);
}

int64_t ksys_name_del(struct proc *p, const struct vds_sqe *m)
{
	char name[VDS_NAME_MAX];
	int r = copyinstr(p->pagetable, name, m->arg[0], sizeof(name));
	if (r < 0)
		return r == -VDS_ERANGE ? -VDS_ENAMETOOLONG : r;
	return KVDS(name_del)(name, p->pid);
}
