/* Cross-file kernel prototypes, grouped by the file that defines them. */
#ifndef KERNEL_DEFS_H
#define KERNEL_DEFS_H

#include <stddef.h>
#include <stdint.h>
#include <vdsos/errno.h>
#include "param.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "sbi.h"
#include <vdsos/vdso.h>

struct ktimer {
	uint64_t when; /* timebase ticks */
	struct vds_event *ev;
	struct ktimer *next;
	int armed;
};

/* bench.c */
void bench_main(void *arg);

/* console.c */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void console_write(const char *s, size_t n);
void console_rx(int c);
void console_set_echo(int on);
struct console_reader {
	struct vds_event ev; /* signalled when a line comes, or the reader dies */
	int pid;
	struct console_reader *next;
};
long console_read_line(char *dst, size_t n, struct console_reader *rd);
void console_abort_readers(int pid);
void console_cancel_read(struct console_reader *rd);
int console_readers(void);

/* doorbell.c */
void user_ecall(struct proc *p);
void proc_wake(struct proc *p, int handoff);
void ring_queue(int id);

/* elf.c */
int elf_check(const void *image, size_t size, uint64_t *entry, uint64_t *end);
int elf_load(pagetable_t pt, const void *image, size_t size, uint64_t *entry, uint64_t *end);

/* entry.S */
void call_on_stack(uint64_t sp, void (*fn)(void *), void *arg) __attribute__((noreturn));

/* initrd.c */
int initrd_find(const char *name, const void **data, size_t *size);
const char *initrd_name(int i);

/* kalloc.c */
void kinit(void);
void *kalloc(void);
void kfree(void *pa);
uint64_t kfree_pages(void);
uint64_t ktotal_pages(void);

/* kexec.c */
void kexec_init(void);
extern struct vds_host_ops kernel_host_ops;

/* kqueue.c */
struct vds_ticket;
void kq_init(void);
int kq_register(int id, uint32_t cap, uint32_t owner);
int kq_register_proc(struct proc *p);
int kq_get(int id, struct vds_ticket *t);
struct vds_obstate *kq_outbox(uint32_t s);
int kq_release(struct vds_ticket *t);
void kq_flush(void);
int kq_send(int id, const struct vds_sqe *m);
void kq_answer_later(struct proc *p, uint16_t op, uint64_t tag, int64_t result);
int kq_retry_replies(void);
extern int kq_nring;         /* owners kq_flush() has to wake */
extern int kq_pending_total; /* replies waiting for room in their receivers' queues */
int kq_pending(uint64_t *lost);
int kq_unregister(int id);
int kq_retry(void);
int kq_count(void);
const struct vds_qref *kq_ref(int id);

/* kvdso.c */
/* The vDSO's kernel-private functions (vdso/kapi.def), called as
 * KVDS(name)(...): the image does not export them, the kernel knows their
 * offsets from the build. */
struct vds_kapi {
#define VDS_FN(ret, name, params) ret(*name) params;
#include "../vdso/kapi.def"
#undef VDS_FN
};
extern struct vds_kapi kvds;
#define KVDS(name) (kvds.name)

struct vds_shared_area;
void kvdso_init(const struct vds_host_ops *host);
int kvdso_map_user(struct proc *p);
struct vds_shared_area *kvdso_shared(void);
void kvdso_outbox_give(struct proc *p);
void kvdso_outbox_reap(struct proc *p);
void kvdso_sizes(uint64_t *code, uint64_t *local, uint64_t *shared);
extern int kvdso_verbose;

/*
 * kqueue.c's replies, inline for the kernel's poller (syscall.c): every
 * request it serves is answered, and a call, its frame and its saved
 * registers cost more than what the usual case does. (Here, after KVDS,
 * which they use.)
 */
extern struct vds_obstate kob[VDS_NSLOTS]; /* the kernel's outbox toward each slot */
extern uint64_t kq_ring_set;               /* slots whose owners kq_flush() must wake */
extern uint8_t kq_ring_list[VDS_NSLOTS];   /* ... in the order they were found */

/* Remember to wake the owner of q at kq_flush() if it sleeps: once,
 * however many messages it got. */
static inline void kq_ring_later(const struct vds_qref *q)
{
	if (!VDS(q_need_wakeup)(q) || (kq_ring_set & (1ULL << q->owner)))
		return; /* awake (after the publish: the SQPOLL handshake), or listed */
	kq_ring_set |= 1ULL << q->owner;
	kq_ring_list[kq_nring++] = (uint8_t)q->owner;
}

/* Send the answer to request (op, tag) to p now, built in place in the
 * kernel's outbox toward it; -VDS_EAGAIN if there is no room yet. */
static inline int kq_answer_now(struct proc *p, uint16_t op, uint64_t tag, int64_t result)
{
	if (p->kq == NULL)
		return -VDS_ENOQUEUE;
	int r = KVDS(q_answer)(p->kob, p->kq, op, tag, result);
	if (r == 0)
		kq_ring_later(p->kq);
	return r;
}

/*
 * Answer p's request (op, tag) with result: now, or, if p has no room (or
 * earlier answers wait for it), kept until it has (kq_answer_later). p
 * has at most VDS_CALLS_MAX replies owed (syscall.c refuses more), and
 * p->pend has that many entries: a reply always has a place.
 */
static inline void kq_answer(struct proc *p, uint16_t op, uint64_t tag, int64_t result)
{
	if (p->pend_n == 0 && kq_answer_now(p, op, tag, result) != -VDS_EAGAIN)
		p->owed--;
	else
		kq_answer_later(p, op, tag, result);
}

/* random.c */
void random_init(void);
uint64_t krandom(void);
int kspawn(void (*fn)(void *), void *arg, const char *name);

/* kheap.c */
void kheap_init(void *base, size_t size);
void *kmalloc(size_t n);
void kfree_obj(void *p);
size_t kheap_in_use(void);

/* ktest.c */
void ktest_main(void *arg);

/* main.c */
void machine_exit(int code) __attribute__((noreturn));
void init_main(void *arg);

/* plic.c */
void plic_init(void);
void plic_inithart(void);
int plic_claim(void);
void plic_complete(int irq);

/* proc.c */
void procinit(void);
struct proc *proc_alive(int pid);
uint64_t proc_live_slots(void);
int proc_spawn(struct proc *parent, int argc, char *const argv[]);
struct spawn_args {
	int argc, envc;
	char *const *argv, *const *envp;
	const void *image; /* an ELF in kernel memory, or NULL: argv[0] from the initrd */
	size_t image_size;
};
int proc_spawn_args(struct proc *parent, const struct spawn_args *a);
int proc_wait(struct proc *parent, int pid, struct exitinfo *out);
int proc_kill_pid(int pid, int reason);
int proc_descends(struct proc *p, struct proc *ancestor);
extern struct proc *init_proc;
void reaper_push(struct proc *p);
void reaper_start(void);

/* sched.c */
extern int kexec_dedicated;
extern uint64_t sched_handoffs;
void scheduler(void) __attribute__((noreturn));
void sched_after_trap(struct proc *p, int tick) __attribute__((noreturn));
void sched_wait_fast(struct proc *p, int id);
void sched_kick_kernel(void);
void runq_push(struct proc *p);
void runq_push_quiet(struct proc *p);
void runq_kick(void);
void proc_kill(struct proc *p, const struct exitinfo *why);
void proc_start(struct proc *p);

/* spinlock.c */
void initlock(struct spinlock *lk, const char *name);

/* syscall.c, sys_proc.c, sys_io.c */
#define KSYS_NO_REPLY INT64_MIN
struct ksys_stats {
	uint64_t served;     /* requests taken */
	uint64_t dead;       /* from a process that is gone or going: dropped */
	uint64_t bad;        /* replies sent to the kernel: dropped */
	uint64_t over_limit; /* beyond VDS_CALLS_MAX calls in flight: dropped */
	uint64_t busy;       /* blocking calls refused -VDS_EAGAIN (per-process bound) */
};
void syscall_init(void);
int kpoll(void);
int kpoll_serve(void);
__attribute__((noreturn)) void kpoll_forever(struct cpu *c);
void kernel_hart_rest(struct cpu *c);
int kpoll_pending(void);
void kpoll_need_wakeup(int on);
void ksys_stats(struct ksys_stats *out);
#define SYS(nr, name, blocks, ret, params, args, doc) \
	int64_t ksys_##name(struct proc *p, const struct vds_sqe *m);
#include <vdsos/syscalls.def>
#undef SYS

/* timer.c */
uint64_t now_ns(void);
uint64_t ns_to_ticks(uint64_t ns);
void timer_inithart(void);
int timer_intr(void);
void ktimer_add(struct ktimer *t, uint64_t when, struct vds_event *ev);
void ktimer_cancel(struct ktimer *t);
void ksleep_ns(uint64_t ns);
void kwait_event_timeout(struct vds_event *ev, uint64_t ns);

/* trap.c */
void trapinit(void);
void trapinithart(void);
void usertrap_init(struct proc *p);
void usertrapret(struct proc *p) __attribute__((noreturn));
void proc_fault(struct proc *p, int reason, uint64_t scause, uint64_t stval, uint64_t sepc);

/* uart.c */
void uart_init(uint64_t base);
void uart_putc(int c);
void uart_intr(void);

/* vm.c */
extern pagetable_t kernel_pagetable;
extern uint64_t kernel_satp;
void kvminit(void);
void kvminithart(void);
pte_t *walk(pagetable_t pt, uint64_t va, int alloc);
int mappages(pagetable_t pt, uint64_t va, uint64_t size, uint64_t pa, uint64_t perm);
void *kstack_alloc(size_t npages);
int kstack_in_use(void);
void kstack_free(void *lo, size_t npages, int slot);
pagetable_t uvm_create(void);
int uvm_alloc(pagetable_t pt, uint64_t va, uint64_t size, uint64_t perm);
void uvm_unmap(pagetable_t pt, uint64_t va, uint64_t size);
void uvm_free(pagetable_t pt);
void uvm_fill(pagetable_t pt, uint64_t va, const void *src, size_t n);
uint64_t uvm_translate(pagetable_t pt, uint64_t va, uint64_t want);
int copyin(pagetable_t pt, void *dst, uint64_t va, size_t n);
int copyout(pagetable_t pt, uint64_t va, const void *src, size_t n);
int copyinstr(pagetable_t pt, char *dst, uint64_t va, size_t max);

#endif
