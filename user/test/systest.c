/*
 * Every system call, its success path and its error paths. Exit status:
 * the number of failed checks (0: all passed); each failure prints a line.
 */
#include <vdsos.h>

static int fails;

#define CHECK(c)                                                        \
	do {                                                            \
		if (!(c)) {                                             \
			printf("systest: line %d: %s\n", __LINE__, #c); \
			fails++;                                        \
		}                                                       \
	} while (0)

/* Addresses never mapped for a process (volatile: the compiler must not
 * reason about them, only pass them on). */
static volatile uintptr_t bad_addr = 0x10, kernel_addr = 0x80200000UL;
#define BAD_PTR    ((void *)bad_addr)
#define KERNEL_PTR ((void *)kernel_addr)

static int spawn1(char *prog)
{
	char *argv[] = { prog, NULL };
	return sys_spawn(argv, 1);
}

static void identity_and_time(void)
{
	CHECK(sys_getpid() > 0);
	CHECK(sys_getpid() == VDS(getpid)());
	CHECK(sys_nop(41) == 42);
	int64_t a = sys_clock(), b = sys_clock();
	CHECK(a > 0 && b >= a);
	CHECK(sys_yield() == 0);
	CHECK(sys_sleep(2000000) == 0);
	CHECK(sys_clock() - b >= 2000000);
	CHECK(sys_sleep(~0ULL) == -VDS_EINVAL);
}

static void console(void)
{
	const char msg[] = "systest: console write works\n";
	CHECK(sys_write(msg, sizeof(msg) - 1) == (long)sizeof(msg) - 1);
	CHECK(sys_write(msg, 0) == 0);
	CHECK(sys_write(BAD_PTR, 8) == -VDS_EFAULT);
	CHECK(sys_write(KERNEL_PTR, 8) == -VDS_EFAULT);
	char buf[8];
	CHECK(sys_read(buf, 0) == 0);
	CHECK(sys_read(BAD_PTR, 8) == -VDS_EFAULT);         /* refused before any input is taken */
	CHECK(sys_read((void *)console, 8) == -VDS_EFAULT); /* read-only: our own code */
}

static void memory(void)
{
	long old = sys_sbrk(0);
	CHECK(old > 0);
	CHECK(sys_sbrk(3 * 4096) == old);
	memset((void *)old, 0x5a, 3 * 4096); /* the new pages are there */
	CHECK(((volatile char *)old)[3 * 4096 - 1] == 0x5a);
	CHECK(sys_sbrk(-3 * 4096) == old + 3 * 4096);
	CHECK(sys_sbrk(0) == old);
	CHECK(sys_sbrk(1L << 40) == -VDS_ENOMEM);
	CHECK(sys_sbrk(-(1L << 40)) == -VDS_ENOMEM);
	char *big = malloc(200000); /* picolibc's malloc, over sbrk */
	CHECK(big != NULL);
	if (big) {
		memset(big, 1, 200000);
		free(big);
	}
}

static void processes(void)
{
	struct vds_exit st;
	int pid = spawn1("exit7");
	CHECK(pid > 0);
	CHECK(sys_wait(pid, &st) == pid);
	CHECK(st.reason == VDS_EXIT_NORMAL && st.code == 7);
	CHECK(sys_wait(-1, &st) == -VDS_ECHILD); /* no children left */
	CHECK(sys_wait(0, &st) == -VDS_EINVAL);
	CHECK(sys_wait(-5, &st) == -VDS_EINVAL);
	CHECK(sys_wait(sys_getpid(), &st) == -VDS_ECHILD); /* not our child */

	pid = spawn1("exit7"); /* a bad status pointer: the child is collected anyway */
	CHECK(sys_wait(pid, BAD_PTR) == -VDS_EFAULT);
	CHECK(sys_wait(pid, &st) == -VDS_ECHILD);

	pid = spawn1("fault_null"); /* a child that dies of a fault */
	CHECK(sys_wait(pid, &st) == pid);
	CHECK(st.reason == VDS_EXIT_FAULT && st.scause == 13 && st.code == -1);

	CHECK(spawn1("no-such-program") == -VDS_ENOENT);
	CHECK(sys_spawn(BAD_PTR, 1) == -VDS_EFAULT);
	char *bad_arg[] = { "echo", BAD_PTR, NULL };
	CHECK(sys_spawn(bad_arg, 2) == -VDS_EFAULT);
	char *argv[] = { "echo", NULL };
	CHECK(sys_spawn(argv, 0) == -VDS_EINVAL);
	CHECK(sys_spawn(argv, 17) == -VDS_E2BIG);
	static char longarg[200];
	memset(longarg, 'x', sizeof(longarg) - 1);
	char *toolong[] = { "echo", longarg, NULL };
	CHECK(sys_spawn(toolong, 2) == -VDS_E2BIG);

	CHECK(sys_kill(0) == -VDS_EINVAL);
	CHECK(sys_kill(sys_getpid()) == -VDS_EINVAL);
	CHECK(sys_kill(999999) == -VDS_ESRCH);
	pid = spawn1("spin");
	CHECK(sys_kill(pid) == 0);
	CHECK(sys_wait(pid, &st) == pid);
	CHECK(st.reason == VDS_EXIT_KILLED);
	CHECK(sys_kill(pid) == -VDS_ESRCH);
}

static void listing(void)
{
	struct vds_psinfo ps[64];
	int n = sys_ps(ps, 64), me = -1;
	CHECK(n >= 1);
	for (int i = 0; i < n; i++)
		if (ps[i].pid == sys_getpid())
			me = i;
	CHECK(me >= 0 && strcmp(ps[me].name, "systest") == 0);
	CHECK(me >= 0 && ps[me].state != VDS_PS_ZOMBIE && ps[me].state != VDS_PS_EXITING);
	CHECK(sys_ps(ps, 0) == 0);
	CHECK(sys_ps(ps, -1) == -VDS_EINVAL);
	CHECK(sys_ps(BAD_PTR, 64) == -VDS_EFAULT);
}

static void names(void)
{
	uint64_t v;
	CHECK(sys_name_set("systest.name", 5) == 0);
	CHECK(sys_name_set("systest.name", 6) == -VDS_EEXIST);
	CHECK(VDS(name_get)("systest.name", &v) == 0 && v == 5);
	CHECK(sys_name_set(BAD_PTR, 1) == -VDS_EFAULT);
	CHECK(sys_name_set("a-name-much-longer-than-the-name-table-allows", 1) ==
	      -VDS_ENAMETOOLONG);
	CHECK(sys_name_del("systest.name") == 0);
	CHECK(sys_name_del("systest.name") == -VDS_ENOENT);
	CHECK(sys_name_del(BAD_PTR) == -VDS_EFAULT);
}

/* A request with an op the kernel does not have. */
static void bad_opcode(void)
{
	uint16_t ops[] = { 0, VDS_NSYS, 999 };
	for (int i = 0; i < 3; i++) {
		struct vds_sqe req = { .op = ops[i] }, rep;
		CHECK(VDS(call)(VDS_KERNEL_ID, &req, &rep) == 0);
		CHECK((int64_t)rep.arg[0] == -VDS_ENOSYS);
	}
	CHECK(strcmp(vds_strerror(-VDS_ESRCH), "no such process") == 0);
	CHECK(strcmp(vds_errname(-VDS_EFAULT), "EFAULT") == 0);
}

int main(void)
{
	identity_and_time();
	console();
	memory();
	processes();
	listing();
	names();
	bad_opcode();
	if (fails)
		printf("systest: %d checks failed\n", fails);
	return fails;
}
