/*
 * attack: hostile programs against identity by outboxes (docs/TRUST.md).
 * The kernel tests in kernel/test/test_attack.c drive them, each with a
 * probe that honest processes are still served. Exit 0: the attack ran and
 * everything it could observe came out as it must.
 *
 *   attack target         an honest process: one message to itself, one
 *                         call to the kernel, then it waits to be killed
 *   attack refs PID SLOT  forge references into the kernel's queue: to
 *                         PID's outbox (replayed, a future number, a
 *                         message to someone else), to outboxes and slots
 *                         that do not exist, a replay of our own
 *   attack victim         an honest caller that keeps calling until it has
 *                         seen every kind of forged reply dropped
 *   attack kreply PID SLOT  forge kernel replies into PID's queue
 *   attack write SLOT     write into another process's outbox (must fault)
 *   attack writereg       write the kernel-owned registry (must fault)
 *   attack qsteal PID     attach to and pop PID's queue (refused, then
 *                         must fault)
 *   attack guard PID      a server that answers each request with its
 *                         sender, and refuses PID with -EPERM
 *   attack guardcli       call the guard: it must answer with our pid
 *   attack forgecli PID   call the guard claiming to be PID: refused
 *   attack claimhold      claim a cell in the kernel's queue by hand, never
 *                         publish it, and spin (the kernel must skip it)
 *   attack wakeflag       write the kernel queue's need_wakeup (must fault)
 *   attack sleepbomb N    N one-hour sleeps at once, then spin
 *   attack readbomb N     N console reads at once, then spin
 *   attack spawnbomb      spawn until refused, then exit
 *   attack obfull ID      fill our outbox with messages to ID (nobody pops):
 *                         exactly the slots not kept for the kernel go,
 *                         then -EAGAIN; a system call still works
 */
#include <vdsos.h>
#include "../../vdso/queue.h" /* the cell word: a hostile program writes cells itself */

/* What this program relies on about the layout (vdso/shared.h). */
_Static_assert(sizeof(struct vds_outbox) == 8192, "an outbox is two pages");
_Static_assert(VDS_NOUTBOX == 2 * VDS_NSLOTS, "outbox numbers: processes, then the kernel's");

#define OP_GUARD_QUIT 7001
#define KCALL_SLOT    (VDS_OUTBOX_SLOTS - VDS_OUTBOX_KSLOTS) /* our first call to the kernel */
#define UNUSED_SLOT   (VDS_NSLOTS - 1) /* no test spawns this many processes */

static struct vds_info info;

static struct vds_shared_area *sh(void)
{
	return (struct vds_shared_area *)info.shared;
}

/* Claim a cell in queue id by hand and publish ref in it: a forged
 * reference, as no honest sender would write it. Published with a CAS, as
 * honest senders do: if we were held up between claim and publish past
 * the receiver's patience (a preemption, or a host that stalls QEMU), our
 * claim was taken back, and we claim again instead of writing a cell the
 * receiver has moved past (the forgery would be lost). */
static int publish_ref(int id, uint64_t ref)
{
	struct vds_qref r;
	if (VDS(q_open)(id, &r) < 0)
		return -1;
	int ok = -1;
	for (int tries = 0; tries < 1000 && ok < 0; tries++) {
		uint64_t pos = __atomic_load_n(r.tail, __ATOMIC_RELAXED);
		uint64_t *cp = &r.cells[pos & r.mask];
		uint64_t w = cell_word(CELL_FREE, pos, 0);
		if (__atomic_compare_exchange_n(cp, &w, cell_word(CELL_CLAIMED, pos, info.slot), 0,
		                                __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
			uint64_t t = pos;
			__atomic_compare_exchange_n(r.tail, &t, pos + 1, 0, __ATOMIC_RELAXED,
			                            __ATOMIC_RELAXED);
			w = cell_word(CELL_CLAIMED, pos, info.slot);
			if (__atomic_compare_exchange_n(cp, &w, cell_word(CELL_PUBLISHED, pos, ref),
			                                0, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
				ok = 0;
		} else {
			__atomic_compare_exchange_n(r.tail, &pos, pos + 1, 0, __ATOMIC_RELAXED,
			                            __ATOMIC_RELAXED);
		}
	}
	VDS(q_close)(&r);
	VDS(db_wake)(id);
	return ok;
}

static uint64_t seq_at(uint32_t ob, uint32_t k)
{
	const struct vds_sqe *m =
	    ob < VDS_NSLOTS ? &sh()->outbox[ob].slot[k] : &sh()->kbox[ob - VDS_NSLOTS].slot[k];
	return __atomic_load_n(&m->seq, __ATOMIC_ACQUIRE);
}

static int target(void)
{
	struct vds_sqe m = { .op = 7777, .flags = VDS_SQE_NOREPLY };
	if (VDS(send)(info.pid, &m) < 0 || sys_nop(1) != 2) /* outbox slots 0 and KCALL_SLOT on */
		return 1;
	for (;;)
		sys_sleep(1000000000ULL);
}

/* Outbox ob's first call to the kernel with op `op` that went (one that
 * could not be sent, and was sent again, has number 0): its number, and
 * its slot in *k; 0 if there is none. */
static uint64_t kcall(uint32_t ob, uint16_t op, uint32_t *k)
{
	for (*k = KCALL_SLOT; *k < VDS_OUTBOX_SLOTS; ++*k) {
		const struct vds_sqe *m = &sh()->outbox[ob].slot[*k];
		uint64_t s = __atomic_load_n(&m->seq, __ATOMIC_ACQUIRE);
		if (s != 0 && m->op == op)
			return s;
	}
	return 0;
}

static int refs(int victim, uint32_t vslot)
{
	(void)victim;
	/* The victim sent a message to itself (slot 0), a nop and a sleep to
	 * the kernel (from KCALL_SLOT on; further if a first try found the
	 * kernel's queue full). Once the sleep is written, the nop was
	 * answered: the kernel has taken it, and a replay cannot come first. */
	uint32_t k1, k2, km;
	for (int tries = 0; tries < 1000 && kcall(vslot, VDS_SYS_sleep, &k2) == 0; tries++)
		sys_sleep(1000000);
	uint64_t s0 = seq_at(vslot, 0), s1 = kcall(vslot, VDS_SYS_nop, &k1);
	if (s0 == 0 || s1 == 0)
		return 2;
	if (sys_nop(41) != 42) /* our own first nop: a message to the kernel, consumed */
		return 3;
	uint64_t mine = kcall(info.slot, VDS_SYS_nop, &km);
	if (mine == 0)
		return 3;
	uint64_t forged[] = {
		ref_make(vslot, k1, s1),              /* replayed */
		ref_make(vslot, k1, s1 + 5),          /* a future number: not in the slot */
		ref_make(vslot, 0, s0),               /* addressed to someone else */
		ref_make(0, 0, 1),                    /* outbox 0: there is none */
		ref_make(info.slot, 127, 1),          /* no slot 127 */
		ref_make(VDS_NSLOTS + vslot, 100, 1), /* no slot 100 in a kernel outbox */
		ref_make(UNUSED_SLOT, 0, 1),          /* an outbox nobody owns */
		ref_make(info.slot, km, mine),        /* our own, replayed */
	};
	for (unsigned i = 0; i < sizeof(forged) / sizeof(forged[0]); i++)
		if (publish_ref(VDS_KERNEL_ID, forged[i]) < 0)
			return 4;
	/* Legitimate traffic around them is served, exactly once. */
	for (long i = 0; i < 100; i++)
		if (sys_nop(i) != i + 1)
			return 5;
	return 0;
}

static int victim(void)
{
	uint64_t deadline = VDS(clock_ns)() + 5000000000ULL;
	for (long i = 0; VDS(clock_ns)() < deadline; i++) {
		if (sys_nop(i) != i + 1)
			return 2; /* a forged reply was taken for the real one */
		struct vds_msg_stats st;
		VDS(msg_stats)(&st);
		if (st.rx.replayed >= 1 && st.rx.wrong_to >= 1 && st.unmatched >= 1)
			return 0;
		sys_sleep(1000000);
	}
	return 1; /* the forgeries never came */
}

static int kreply(int vpid, uint32_t vslot)
{
	/* Wait until the victim has had three replies. */
	for (int tries = 0; tries < 1000 && seq_at(VDS_NSLOTS + vslot, 2) == 0; tries++)
		sys_sleep(1000000);
	uint64_t s = seq_at(VDS_NSLOTS + vslot, 0);
	if (s == 0 || sys_nop(1) != 2)
		return 2;
	uint64_t ours = seq_at(VDS_NSLOTS + info.slot, 0);
	if (publish_ref(vpid, ref_make(VDS_NSLOTS + vslot, 0, s)) < 0 ||      /* replayed */
	    publish_ref(vpid, ref_make(VDS_NSLOTS + info.slot, 0, ours)) < 0) /* not to it */
		return 3;
	/* Replies in our own name, with the tags it could be waiting for,
	 * until it has seen enough and ends. */
	int sent = 0;
	for (uint64_t tag = 0; tag < 4 * VDS_CALLS_MAX; tag++) {
		struct vds_sqe fake = { .op = VDS_SYS_nop, .flags = VDS_SQE_REPLY, .tag = tag };
		fake.arg[0] = 666;
		if (VDS(send)(vpid, &fake) < 0)
			break;
		sent++;
	}
	return sent > 0 ? 0 : 4;
}

static int write_outbox(uint32_t slot)
{
	volatile uint64_t *w = (volatile uint64_t *)&sh()->outbox[slot].slot[0];
	*w = 0x4241; /* read-only for us: a store page fault */
	return 1;
}

static int write_registry(void)
{
	volatile int32_t *id = &sh()->k.reg[1].id;
	*id = 12345; /* kernel-owned: a store page fault */
	return 1;
}

static int qsteal(int vpid)
{
	if (VDS(q_attach)(vpid) != -VDS_EPERM)
		return 2;
	struct vds_qref r;
	if (VDS(q_open)(vpid, &r) < 0)
		return 3;
	VDS(q_close)(&r);
	struct vds_consumer c;
	VDS(q_consumer)(&r, &c);
	struct vds_sqe out[8];
	for (;;)
		VDS(q_pop)(&c, out, 8); /* its first store is to the victim's page: a fault */
	return 4;
}

static int guard(int refused)
{
	if (sys_name_set("guard", (uint64_t)info.pid) < 0)
		return 2;
	for (;;) {
		struct vds_sqe req, rep = { 0 };
		VDS(recv)(-1, -1, &req);
		rep.arg[0] =
		    req.sender == refused ? (uint64_t)(int64_t)-VDS_EPERM : (uint64_t)req.sender;
		VDS(reply)(&req, &rep);
		if (req.op == OP_GUARD_QUIT)
			return 0;
	}
}

static int guard_id(void)
{
	uint64_t id = 0;
	for (int tries = 0; tries < 1000 && VDS(name_get)("guard", &id) < 0; tries++)
		sys_sleep(1000000);
	return (int)id;
}

static int guardcli(void)
{
	struct vds_sqe req = { .op = 1 }, rep;
	int g = guard_id();
	if (g <= 0 || VDS(call)(g, &req, &rep) < 0)
		return 2;
	return (int64_t)rep.arg[0] == info.pid ? 0 : 3;
}

static int forgecli(int other)
{
	int g = guard_id();
	struct vds_sqe req = { .op = 1 }, rep;
	if (g <= 0 || VDS(call)(g, &req, &rep) < 0 || (int64_t)rep.arg[0] != -VDS_EPERM)
		return 2;
	req.sender = other; /* "I am other" -- the field is ours to write, and means nothing */
	if (VDS(call)(g, &req, &rep) < 0 || (int64_t)rep.arg[0] != -VDS_EPERM)
		return 3;
	struct vds_ticket t; /* the same, written in place */
	if (VDS(get_sqe)(g, &t) < 0)
		return 4;
	t.sqe->op = 1;
	t.sqe->sender = other;
	t.sqe->flags = VDS_SQE_NOREPLY;
	if (VDS(sqe_release)(&t) < 0)
		return 5;
	return 0;
}

static int claimhold(void)
{
	struct vds_qref r;
	if (VDS(q_open)(VDS_KERNEL_ID, &r) < 0)
		return 2;
	for (int tries = 0; tries < 1000; tries++) {
		uint64_t pos = __atomic_load_n(r.tail, __ATOMIC_RELAXED);
		uint64_t w = cell_word(CELL_FREE, pos, 0);
		/* A claim naming outbox 0, which nobody owns: no reaping finds it. */
		if (__atomic_compare_exchange_n(&r.cells[pos & r.mask], &w,
		                                cell_word(CELL_CLAIMED, pos, 0), 0,
		                                __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
			__atomic_store_n(r.tail, pos + 1, __ATOMIC_RELAXED);
			break;
		}
	}
	VDS(q_close)(&r);
	for (;;)
		; /* and never publish */
}

static int wakeflag(void)
{
	volatile uint32_t *w = &sh()->k.kctl[0].need_wakeup;
	*w = 0; /* "the kernel is awake, nobody ring it": kernel-owned, a fault */
	return 1;
}

/* n blocking calls at once: the kernel takes its bound's worth and answers
 * the rest -EAGAIN at once; say how many it took, then spin. */
static int bomb(int op, int n, void *buf)
{
	for (int i = 0; i < n; i++) {
		struct vds_sqe req = { .op = (uint16_t)op };
		req.arg[0] =
		    op == VDS_SYS_sleep ? 3600ULL * 1000000000ULL : (uint64_t)(uintptr_t)buf;
		req.arg[1] = 16;
		if (VDS(call_async)(VDS_KERNEL_ID, &req) < 0)
			break;
	}
	sys_sleep(200000000ULL); /* the refusals are in by now */
	struct vds_msg_stats st;
	VDS(msg_stats)(&st);
	printf("attack: %ld of %d taken\n", (long)(st.calls - st.replies), n);
	for (;;)
		sys_yield(); /* never reading another reply */
	return 0;
}

static int spawnbomb(void)
{
	int n = 0, r;
	char *argv[] = { "qtest", "spin", NULL };
	while ((r = sys_spawn(argv, 2)) > 0)
		n++;
	printf("attack: %d children, then %s\n", n, vds_strerror(r));
	return r == -VDS_EAGAIN && n > 0 ? 0 : 1; /* exit: they go to init */
}

static int obfull(int id)
{
	struct vds_ticket t;
	for (int i = 0; i < VDS_OUTBOX_SLOTS - VDS_OUTBOX_KSLOTS; i++) {
		if (VDS(get_sqe)(id, &t) != 0)
			return 2;
		t.sqe->op = 1000;
		t.sqe->flags = VDS_SQE_NOREPLY;
		t.sqe->arg[0] = (uint64_t)i;
		if (VDS(sqe_release)(&t) != 0)
			return 3;
	}
	if (VDS(get_sqe)(id, &t) != -VDS_EAGAIN) /* back-pressure, no overwrite */
		return 4;
	return sys_nop(7) == 8 ? 0 : 5; /* and the kernel is still reachable */
}

int main(int argc, char **argv)
{
	VDS(info)(&info);
	const char *c = argc > 1 ? argv[1] : "";
	int a = argc > 2 ? atoi(argv[2]) : 0, b = argc > 3 ? atoi(argv[3]) : 0;
	if (strcmp(c, "target") == 0)
		return target();
	if (strcmp(c, "refs") == 0)
		return refs(a, (uint32_t)b);
	if (strcmp(c, "victim") == 0)
		return victim();
	if (strcmp(c, "kreply") == 0)
		return kreply(a, (uint32_t)b);
	if (strcmp(c, "write") == 0)
		return write_outbox((uint32_t)a);
	if (strcmp(c, "writereg") == 0)
		return write_registry();
	if (strcmp(c, "qsteal") == 0)
		return qsteal(a);
	if (strcmp(c, "guard") == 0)
		return guard(a);
	if (strcmp(c, "guardcli") == 0)
		return guardcli();
	if (strcmp(c, "forgecli") == 0)
		return forgecli(a);
	if (strcmp(c, "obfull") == 0)
		return obfull(a);
	if (strcmp(c, "claimhold") == 0)
		return claimhold();
	if (strcmp(c, "wakeflag") == 0)
		return wakeflag();
	if (strcmp(c, "sleepbomb") == 0)
		return bomb(VDS_SYS_sleep, a, NULL);
	if (strcmp(c, "readbomb") == 0) {
		static char buf[16];
		return bomb(VDS_SYS_read, a, buf);
	}
	if (strcmp(c, "spawnbomb") == 0)
		return spawnbomb();
	printf("usage: attack target|refs|victim|kreply|write|writereg|qsteal|guard|guardcli|"
	       "forgecli|obfull ...\n");
	return 99;
}
