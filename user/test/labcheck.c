/*
 * labcheck: the checking side of the labs' grade (kernel/test/test_lab.c
 * runs it; docs/labs/). "labcheck MODE TOKEN [ARG]" exits 0 when every
 * check holds, else prints the first that failed and exits 1. Everything it
 * builds (trees, keys, values, counts) comes from the token, which is
 * chosen when the grade runs.
 *
 *   pstree TOKEN           a tree of processes; pstree's output must be it
 *   sysinfo TOKEN NCPU     sys_sysinfo (op 19) against what the kernel has
 *   doorbell TOKEN N       N null calls, every reply right
 *   kv TOKEN               the key-value server, with a thief for ownership
 *
 * Helper modes: node DEPTH SEED (a subtree of the pstree check), idle
 * (waits until killed, in a long sys_sleep), kvthief TOKEN (tries
 * another's keys).
 */
#include <vdsos.h>
#include "../bin/demo.h"

#define CHECK_PROG "labcheck"
#include "check.h"

static const char *mode = "";

static uint64_t token;

int main(int argc, char **argv);

/* A number from the token and a salt (splitmix64). */
static uint64_t mix(uint64_t salt)
{
	uint64_t z = token + salt * 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Wait until killed, asleep in the kernel (not spinning). */
static __attribute__((noreturn)) void sleep_forever(void)
{
	for (;;)
		sys_sleep(60ULL * 1000 * 1000 * 1000);
}

static int spawn(const char *a0, const char *a1, const char *a2, const char *a3)
{
	char *argv[] = { (char *)a0, (char *)a1, (char *)a2, (char *)a3, NULL };
	return sys_spawn(argv, a3 ? 4 : a2 ? 3 : a1 ? 2 : 1);
}

/* ---- pstree ---- */

#define MAXPS 64

/* How many processes the subtree of node (depth, seed) holds, itself included. */
static int subtree_size(int depth, uint64_t seed)
{
	int n = 1;
	if (depth > 0)
		for (uint64_t i = 0; i < 1 + seed % 2; i++)
			n += subtree_size(depth - 1, seed / 3 + i + 1);
	return n;
}

/* A node: start its children (1 or 2 of them, from the seed), then wait for
 * them; a leaf waits until it is killed. */
static int node(int depth, uint64_t seed)
{
	if (depth == 0)
		sleep_forever();
	char d[12], s[24];
	int n = 0;
	for (uint64_t i = 0; i < 1 + seed % 2; i++) {
		snprintf(d, sizeof(d), "%d", depth - 1);
		snprintf(s, sizeof(s), "%llu", (unsigned long long)(seed / 3 + i + 1));
		n += spawn("labcheck", "node", d, s) > 0;
	}
	while (n > 0 && sys_wait(-1, NULL) > 0)
		n--;
	return 0;
}

static struct vds_psinfo ps[MAXPS];
static int nps;

static const struct vds_psinfo *find(int pid)
{
	for (int i = 0; i < nps; i++)
		if (ps[i].pid == pid)
			return &ps[i];
	return NULL;
}

/* Is pid root or below it? (Root 0: every process is.) */
static int under(int pid, int root)
{
	if (root == 0)
		return find(pid) != NULL;
	for (int hops = 0; hops < MAXPS && pid > 0; hops++) {
		if (pid == root)
			return 1;
		const struct vds_psinfo *p = find(pid);
		pid = p ? p->ppid : 0;
	}
	return 0;
}

static int count_under(int root)
{
	int n = 0;
	for (int i = 0; i < nps; i++)
		n += under(ps[i].pid, root);
	return n;
}

/* Read file into buf (NUL-terminated); its length or -1. */
static long slurp(const char *path, char *buf, size_t max)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	size_t n = fread(buf, 1, max - 1, f);
	fclose(f);
	buf[n] = '\0';
	return (long)n;
}

/* Run argv with its stdout into /tmp/lab.out and its stderr into
 * /tmp/lab.err; its exit code, or -1. Its pid in *pidp. */
static int run_into(char *const argv[], int *pidp)
{
	int out = open("/tmp/lab.out", O_WRONLY | O_CREAT | O_TRUNC);
	int err = open("/tmp/lab.err", O_WRONLY | O_CREAT | O_TRUNC);
	if (out < 0 || err < 0)
		return -1;
	int pid = vds_spawnfd(argv, (int[]){ 0, out, err }, 3);
	close(out);
	close(err);
	if (pidp)
		*pidp = pid;
	struct vds_exit st;
	if (pid < 0 || sys_wait(pid, &st) != pid || st.reason != VDS_EXIT_NORMAL)
		return -1;
	return st.code;
}

/* Check pstree's output for the subtree of root against the process list:
 * every process of the subtree once, each under its parent, siblings in pid
 * order, two spaces per level, "PID NAME". Root 0: every process, the
 * roots being those whose parent is not listed, in pid order. */
static int check_tree(const char *out, int root)
{
	int stack[MAXPS], depth_of_line = -1, lines = 0;
	int last_child[MAXPS]; /* per depth: the pid of the last line at that depth */
	for (const char *l = out; *l;) {
		const char *end = strchr(l, '\n');
		CHECK(end != NULL); /* every line ends with a newline */
		int sp = 0;
		while (l[sp] == ' ')
			sp++;
		CHECK(sp % 2 == 0);
		int depth = sp / 2;
		char *after;
		long pid = strtol(l + sp, &after, 10);
		CHECK(after > l + sp && *after == ' ');
		const struct vds_psinfo *p = find((int)pid);
		CHECK(p != NULL);
		CHECK(under(p->pid, root));
		size_t nl = strlen(p->name);
		CHECK((size_t)(end - after - 1) == nl && memcmp(after + 1, p->name, nl) == 0);
		if (root == 0 && depth == 0) { /* a root of the forest */
			CHECK(find(p->ppid) == NULL);
			CHECK(lines == 0 || pid > last_child[0]);
		} else if (lines == 0) {
			EQ(depth, 0);
			EQ(pid, root);
		} else {
			CHECK(depth >= 1 && depth <= depth_of_line + 1 && depth < MAXPS);
			EQ(p->ppid, stack[depth - 1]); /* under its parent */
			if (depth <= depth_of_line)
				CHECK(pid > last_child[depth]); /* after its older siblings */
		}
		stack[depth] = (int)pid;
		last_child[depth] = (int)pid;
		depth_of_line = depth;
		lines++;
		l = end + 1;
	}
	EQ(lines, count_under(root)); /* each process once (a repeat fails the order) */
	return 0;
}

/* The process list as pstree saw it: now, and pstree itself (pid, gone
 * now) below parent. */
static void snapshot(int pid, int parent)
{
	nps = sys_ps(ps, MAXPS - 1);
	ps[nps++] = (struct vds_psinfo){ .pid = pid, .ppid = parent, .name = "pstree" };
}

static int pstree_checks(int me, int top);

static int t_pstree(void)
{
	int me = sys_getpid();
	int depth = 2 + (int)(mix(1) % 2);
	uint64_t seed = mix(2) % 1000;
	char d[12], s[24];
	snprintf(d, sizeof(d), "%d", depth);
	snprintf(s, sizeof(s), "%llu", (unsigned long long)seed);
	int top = spawn("labcheck", "node", d, s);
	CHECK(top > 0);
	int idle = spawn("labcheck", "idle", NULL, NULL); /* a second branch */
	CHECK(idle > 0);
	int want = 2 + subtree_size(depth, seed); /* me, idle, the tree */
	for (int tries = 0; tries < 500; tries++) {
		nps = sys_ps(ps, MAXPS);
		if (count_under(me) == want)
			break;
		sys_sleep(10 * 1000 * 1000);
	}
	EQ(count_under(me), want);
	int r = pstree_checks(me, top);
	/* Take the tree down: kill the leaves (a node ends once its children
	 * have), then collect my children. */
	nps = sys_ps(ps, MAXPS);
	for (int i = 0; i < nps; i++)
		if (ps[i].pid != me && under(ps[i].pid, me) && count_under(ps[i].pid) == 1)
			sys_kill(ps[i].pid);
	while (sys_wait(-1, NULL) > 0)
		;
	return r;
}

static int pstree_checks(int me, int top)
{
	static char out[4096];
	char pid[12];
	int child;
	const int roots[3] = { me, top, 0 }; /* me, a subtree, every process */
	for (int k = 0; k < 3; k++) {
		snprintf(pid, sizeof(pid), "%d", roots[k]);
		char *argv[] = { "pstree", k < 2 ? pid : NULL, NULL };
		EQ(run_into(argv, &child), 0);
		snapshot(child, me); /* the tree has not changed: nothing in it moves */
		CHECK(slurp("/tmp/lab.out", out, sizeof(out)) > 0);
		if (check_tree(out, roots[k])) {
			fprintf(stderr, "labcheck pstree: pstree %s printed:\n%s", k < 2 ? pid : "",
			        out);
			return 1;
		}
		CHECK(slurp("/tmp/lab.err", out, sizeof(out)) == 0); /* nothing on stderr */
	}
	/* No such process, or not a number: an error on stderr, status 1. */
	const char *bad[4] = { "999999", "1x", "+1", "4294967297" };
	for (int k = 0; k < 4; k++) {
		EQ(run_into((char *[]){ "pstree", (char *)bad[k], NULL }, NULL), 1);
		CHECK(slurp("/tmp/lab.out", out, sizeof(out)) == 0);
		char want[48];
		snprintf(want, sizeof(want), "pstree: no process %s\n", bad[k]);
		CHECK(slurp("/tmp/lab.err", out, sizeof(out)) > 0 && strcmp(out, want) == 0);
	}
	/* Two arguments: a usage line on stderr, status 1. */
	EQ(run_into((char *[]){ "pstree", "1", "2", NULL }, NULL), 1);
	CHECK(slurp("/tmp/lab.out", out, sizeof(out)) == 0);
	CHECK(slurp("/tmp/lab.err", out, sizeof(out)) > 0);
	return 0;
}

/* ---- sysinfo (the lab's new system call, by its number) ---- */

#define SYSINFO_NR 19

static int64_t sysinfo(struct vds_sysinfo *out)
{
	struct vds_sqe req = { .op = SYSINFO_NR, .arg = { (uint64_t)(uintptr_t)out } }, rep;
	int r = VDS(call)(VDS_KERNEL_ID, &req, &rep);
	return r < 0 ? r : (int64_t)rep.arg[0];
}

static int processes(void)
{
	return sys_ps(ps, MAXPS);
}

static int t_sysinfo(int ncpu)
{
	struct vds_sysinfo a, b, c;
	memset(&a, 0xa5, sizeof(a));
	EQ(sysinfo(&a), 0);
	EQ(a.ncpu, ncpu);
	EQ(a.nproc, processes());
	int64_t now = (int64_t)VDS(clock_ns)();
	CHECK(a.uptime_ns > 0 && (int64_t)a.uptime_ns <= now);
	CHECK(now - (int64_t)a.uptime_ns < 1000 * 1000 * 1000); /* nanoseconds, not ticks */
	CHECK(a.free_bytes % 4096 == 0 && a.free_bytes > 0);

	/* k more processes: k more in the count, and less memory free. */
	int k = 2 + (int)(mix(3) % 5), pids[8];
	for (int i = 0; i < k; i++)
		CHECK((pids[i] = spawn("labcheck", "idle", NULL, NULL)) > 0);
	EQ(sysinfo(&b), 0);
	EQ(b.nproc, a.nproc + (uint32_t)k);
	CHECK(b.free_bytes + (uint64_t)k * 4 * 4096 <= a.free_bytes);
	CHECK(b.uptime_ns >= a.uptime_ns);
	for (int i = 0; i < k; i++) {
		EQ(sys_kill(pids[i]), 0);
		EQ(sys_wait(pids[i], NULL), pids[i]);
	}
	EQ(sysinfo(&c), 0);
	EQ(c.nproc, a.nproc);
	CHECK(c.free_bytes > b.free_bytes);

	/* Bad pointers: an error, and nothing written anywhere. */
	EQ(sysinfo(NULL), -VDS_EFAULT);
	EQ(sysinfo((struct vds_sysinfo *)(uintptr_t)0x80200000), -VDS_EFAULT); /* the kernel */
	EQ(sysinfo((struct vds_sysinfo *)(uintptr_t)main), -VDS_EFAULT);       /* read-only code */
	struct vds_info in;
	VDS(info)(&in);
	EQ(sysinfo((struct vds_sysinfo *)in.base), -VDS_EFAULT); /* the vDSO's code */
	return 0;
}

/* ---- the doorbell ---- */

/* need_wakeup as senders see it: set and withdrawn by this process, read
 * through its own queue (self) as a sender would. */
static int doorbell_flag(const struct vds_qref *self, long n)
{
	VDS(q_set_need_wakeup)(1);
	EQ(VDS(q_need_wakeup)(self), 1); /* asleep (or about to be): ring */
	VDS(q_set_need_wakeup)(0);
	EQ(VDS(q_need_wakeup)(self), 0); /* awake: do not */
	/* Many calls, each reply its own: a lost wake-up leaves us waiting. */
	for (long i = 0; i < n; i++) {
		long x = (long)(mix((uint64_t)i) >> 2);
		EQ(sys_nop(x), x + 1);
		if (i % 256 == 0)
			EQ(VDS(q_need_wakeup)(self), 0); /* every sleep was withdrawn on waking */
	}
	EQ(VDS(q_need_wakeup)(self), 0);
	return 0;
}

static int t_doorbell(long n)
{
	struct vds_qref self;
	EQ(VDS(q_open)(sys_getpid(), &self), 0);
	int r = doorbell_flag(&self, n);
	VDS(q_close)(&self);
	return r;
}

/* ---- the key-value server ---- */

static int kv_server(void)
{
	uint64_t id;
	return VDS(name_get)("kv", &id) == 0 ? (int)id : -VDS_ENOENT;
}

/* One request; buf (len bytes, may be 0) goes in a fresh shared buffer. */
static int64_t kv_raw(int op, const void *buf, size_t len, struct vds_sqe *rep)
{
	struct vds_sqe req = { .op = (uint16_t)op };
	if (len) {
		vds_rel_t r = VDS(shm_alloc)(len);
		char *b = VDS(rel_to_ptr)(r, len);
		if (b == NULL)
			return -VDS_ENOMEM;
		memcpy(b, buf, len);
		req.arg[0] = r;
		req.arg[1] = len;
	}
	int r = VDS(call)(kv_server(), &req, rep);
	return r < 0 ? r : (int64_t)rep->arg[0];
}

static int64_t kv_put(const char *k, const char *v)
{
	char b[KV_KEY_MAX + KV_VALUE_MAX + 2];
	size_t lk = strlen(k) + 1, lv = strlen(v) + 1;
	memcpy(b, k, lk);
	memcpy(b + lk, v, lv);
	struct vds_sqe rep;
	return kv_raw(OP_KV_PUT, b, lk + lv, &rep);
}

static int64_t kv_del(const char *k)
{
	struct vds_sqe rep;
	return kv_raw(OP_KV_DEL, k, strlen(k) + 1, &rep);
}

static int64_t kv_count(void)
{
	struct vds_sqe rep;
	return kv_raw(OP_KV_COUNT, NULL, 0, &rep);
}

/* GET k: 0 if its value is v; the error, or 1 if the value differs. */
static int64_t kv_is(const char *k, const char *v)
{
	struct vds_sqe rep;
	int64_t r = kv_raw(OP_KV_GET, k, strlen(k) + 1, &rep);
	if (r < 0)
		return r;
	size_t n = rep.arg[2];
	const char *got = VDS(rel_to_ptr)(rep.arg[1], n);
	if (got == NULL || n != strlen(v) + 1 || memcmp(got, v, n) != 0)
		r = 1;
	if (got)
		VDS(shm_free)(rep.arg[1]);
	return r;
}

static void kv_key(char *k, int i)
{
	snprintf(k, KV_KEY_MAX, "t%llu.%d", (unsigned long long)(token % 100000), i);
}

static void kv_value(char *v, size_t max, int i, int round)
{
	snprintf(v, max, "%llx-%d-%d", (unsigned long long)mix((uint64_t)(i * 31 + round)), i,
	         round);
}

/* Of n keys, how many are left once every third is deleted (0, 3, 6, ...). */
static int kv_left(int n)
{
	return n - (n + 2) / 3;
}

/* n keys of our own: put, read back, overwrite every other one, delete
 * every third; the server had base keys before. */
static int kv_round_trip(int64_t base, int n)
{
	char k[KV_KEY_MAX], v[64];
	for (int i = 0; i < n; i++) {
		kv_key(k, i);
		kv_value(v, sizeof(v), i, 0);
		EQ(kv_put(k, v), 0);
	}
	EQ(kv_count(), base + n);
	for (int i = 0; i < n; i++) {
		kv_key(k, i);
		kv_value(v, sizeof(v), i, 0);
		EQ(kv_is(k, v), 0);
	}
	/* Overwrite every other key, delete every third. */
	for (int i = 0; i < n; i += 2) {
		kv_key(k, i);
		kv_value(v, sizeof(v), i, 1);
		EQ(kv_put(k, v), 0);
	}
	for (int i = 0; i < n; i += 3) {
		kv_key(k, i);
		EQ(kv_del(k), 0);
		EQ(kv_del(k), -VDS_ENOKEY);
	}
	EQ(kv_count(), base + kv_left(n));
	for (int i = 0; i < n; i++) {
		kv_key(k, i);
		kv_value(v, sizeof(v), i, i % 2 == 0);
		EQ(kv_is(k, v), i % 3 == 0 ? -VDS_ENOKEY : 0);
	}
	return 0;
}

/* The longest key and value there are, one over each, an empty value. */
static int kv_limits(void)
{
	static char big[KV_VALUE_MAX];
	for (int i = 0; i < KV_VALUE_MAX - 1; i++)
		big[i] = (char)('a' + mix((uint64_t)i + 99) % 26);
	big[KV_VALUE_MAX - 1] = '\0';
	EQ(kv_put("big", big), 0);
	EQ(kv_is("big", big), 0);
	EQ(kv_del("big"), 0);
	/* Too long: a key of KV_KEY_MAX characters, a value of KV_VALUE_MAX. */
	char longkey[KV_KEY_MAX + 1];
	memset(longkey, 'k', KV_KEY_MAX);
	longkey[KV_KEY_MAX] = '\0';
	EQ(kv_put(longkey, "v"), -VDS_EINVAL);
	longkey[KV_KEY_MAX - 1] = '\0'; /* one shorter: fits */
	EQ(kv_put(longkey, "v"), 0);
	EQ(kv_del(longkey), 0);
	static char huge[KV_VALUE_MAX + 1];
	memset(huge, 'h', KV_VALUE_MAX);
	huge[KV_VALUE_MAX] = '\0';
	EQ(kv_put("huge", huge), -VDS_EINVAL);
	EQ(kv_put("empty", ""), 0); /* an empty value is a value */
	EQ(kv_is("empty", ""), 0);
	EQ(kv_del("empty"), 0);
	return 0;
}

/* Bad requests: an error each, and the server goes on. */
static int kv_bad_requests(void)
{
	struct vds_sqe rep;
	EQ(kv_raw(OP_KV_PUT, "nul\0", 4, &rep), -VDS_EINVAL);                /* no value */
	EQ(kv_raw(OP_KV_PUT, "\0value", 7, &rep), -VDS_EINVAL);              /* empty key */
	EQ(kv_raw(OP_KV_GET, "unterminated", 12, &rep), -VDS_EFAULT);        /* no NUL */
	struct vds_sqe req = { .op = OP_KV_GET, .arg = { 0x7fffff00, 16 } }; /* not a buffer */
	CHECK(VDS(call)(kv_server(), &req, &rep) == 0);
	EQ((int64_t)rep.arg[0], -VDS_EFAULT);
	req = (struct vds_sqe){ .op = OP_KV_DEL }; /* no buffer at all */
	CHECK(VDS(call)(kv_server(), &req, &rep) == 0);
	EQ((int64_t)rep.arg[0], -VDS_EFAULT);
	req = (struct vds_sqe){ .op = VDS_OP_USER + 99 }; /* no such operation */
	CHECK(VDS(call)(kv_server(), &req, &rep) == 0);
	EQ((int64_t)rep.arg[0], -VDS_ENOSYS);
	return 0;
}

/* Another process may read our keys, not change them; its own keys are its
 * own, even once it has ended. Then our keys go. */
static int kv_owners(int64_t base, int n)
{
	char k[KV_KEY_MAX], v[64];
	char tok[24];
	snprintf(tok, sizeof(tok), "%llu", (unsigned long long)token);
	int thief = spawn("labcheck", "kvthief", tok, NULL);
	CHECK(thief > 0);
	struct vds_exit st;
	EQ(sys_wait(thief, &st), thief);
	EQ(st.reason, VDS_EXIT_NORMAL);
	EQ(st.code, 0);
	EQ(kv_count(), base + kv_left(n) + 1);
	EQ(kv_del("thief"), -VDS_EPERM);
	EQ(kv_put("thief", "mine now"), -VDS_EPERM);
	EQ(kv_is("thief", "the thief's"), 0);
	for (int i = 0; i < n; i++) {
		kv_key(k, i);
		kv_value(v, sizeof(v), i, i % 2 == 0);
		EQ(kv_is(k, v), i % 3 == 0 ? -VDS_ENOKEY : 0);
		if (i % 3)
			EQ(kv_del(k), 0);
	}
	EQ(kv_count(), base + 1); /* the thief's key stays: it was not ours */
	return 0;
}

/* Full: 128 keys in all, then -ENOSPC; but the key of a process that has
 * ended (the thief's) gives way to a new one first, and an overwrite
 * always works. */
static int kv_full(void)
{
	char k[KV_KEY_MAX];
	int64_t have = kv_count();
	CHECK(have >= 1 && have < 128);
	for (int64_t i = have; i < 128; i++) {
		snprintf(k, sizeof(k), "fill%lld", (long long)i);
		EQ(kv_put(k, "x"), 0);
	}
	EQ(kv_put("one more", "x"), 0); /* in the thief's place */
	EQ(kv_is("thief", "the thief's"), -VDS_ENOKEY);
	EQ(kv_put("one too many", "x"), -VDS_ENOSPC);
	snprintf(k, sizeof(k), "fill%lld", (long long)have);
	EQ(kv_put(k, "y"), 0);
	for (int64_t i = have; i < 128; i++) {
		snprintf(k, sizeof(k), "fill%lld", (long long)i);
		EQ(kv_del(k), 0);
	}
	EQ(kv_del("one more"), 0);
	EQ(kv_count(), have - 1);
	return 0;
}

static int t_kv(void)
{
	CHECK(kv_server() > 0);
	int64_t base = kv_count();
	CHECK(base >= 0);
	int n = 10 + (int)(mix(4) % 20);
	RUN(kv_round_trip(base, n));
	RUN(kv_limits());
	RUN(kv_bad_requests());
	RUN(kv_owners(base, n));
	return kv_full();
}

static int t_kvthief(void)
{
	char k[KV_KEY_MAX], v[64];
	kv_key(k, 1);
	kv_value(v, sizeof(v), 1, 0);
	EQ(kv_is(k, v), 0); /* reading is allowed */
	EQ(kv_put(k, "stolen"), -VDS_EPERM);
	EQ(kv_del(k), -VDS_EPERM);
	EQ(kv_is(k, v), 0);
	EQ(kv_put("thief", "the thief's"), 0);
	return 0;
}

int main(int argc, char **argv)
{
	mode = argc > 1 ? argv[1] : "";
	token = argc > 2 ? strtoull(argv[2], NULL, 10) : 0;
	if (strcmp(mode, "node") == 0 && argc == 4)
		return node(atoi(argv[2]), strtoull(argv[3], NULL, 10));
	if (strcmp(mode, "idle") == 0)
		sleep_forever();
	if (token == 0) {
		fprintf(stderr, "usage: labcheck MODE TOKEN [ARG] (see the source)\n");
		return 2;
	}
	if (strcmp(mode, "pstree") == 0)
		return t_pstree();
	if (strcmp(mode, "sysinfo") == 0 && argc == 4)
		return t_sysinfo(atoi(argv[3]));
	if (strcmp(mode, "doorbell") == 0 && argc == 4)
		return t_doorbell(atol(argv[3]));
	if (strcmp(mode, "kv") == 0)
		return t_kv();
	if (strcmp(mode, "kvthief") == 0)
		return t_kvthief();
	fprintf(stderr, "labcheck: no mode %s\n", mode);
	return 2;
}
