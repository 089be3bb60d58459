/*
 * killtest: who may stop whom (kernel/test/test_proc.c drives it).
 *   killtest parent INIT SERVER   may not kill init, an unrelated server, a
 *                                 pid that does not exist, nor wait for
 *                                 another's child; starts two children:
 *                                 the second checks it may not kill its
 *                                 parent nor its sibling; then kills its
 *                                 grandchild and its child: both end
 *   killtest child [SIBLING]      (started by parent) see above
 *   killtest orphans N            start N children that sleep 300 ms, and
 *                                 exit at once, leaving them to init
 * Exit 0 if every check held.
 */
#include <vdsos.h>

static int fails;

#define CHECK(c)                                                         \
	do {                                                             \
		if (!(c)) {                                              \
			printf("killtest: line %d: %s\n", __LINE__, #c); \
			fails++;                                         \
		}                                                        \
	} while (0)

static int spawn(char *a, char *b, char *c)
{
	char *argv[] = { a, b, c, NULL };
	return sys_spawn(argv, 1 + (b != NULL) + (c != NULL));
}

static int alive(int pid)
{
	struct vds_psinfo ps[64];
	int n = sys_ps(ps, 64);
	for (int i = 0; i < n; i++)
		if (ps[i].pid == pid)
			return ps[i].state != VDS_PS_ZOMBIE && ps[i].state != VDS_PS_EXITING;
	return 0;
}

/* A child: its grandchild's pid goes in the name table for its parent. */
static int child(int sibling)
{
	char name[32];
	snprintf(name, sizeof(name), "killtest.gc.%d", sys_getpid());
	int gc = spawn("qtest", "spin", NULL);
	CHECK(gc > 0 && sys_name_set(name, (uint64_t)gc) == 0);
	if (sibling > 0) {
		int parent = 0;
		struct vds_psinfo ps[64];
		int n = sys_ps(ps, 64);
		for (int i = 0; i < n; i++)
			if (ps[i].pid == sys_getpid())
				parent = ps[i].ppid;
		CHECK(parent > 0 && sys_kill(parent) == -VDS_EPERM); /* our parent */
		CHECK(sys_kill(sibling) == -VDS_EPERM);              /* our sibling */
		CHECK(alive(parent) && alive(sibling));
		return fails;
	}
	for (;;)
		sys_sleep(1000000000ULL); /* until our parent stops us */
}

static int parent(int init, int server)
{
	CHECK(sys_kill(init) == -VDS_EPERM);
	CHECK(sys_kill(server) == -VDS_EPERM);
	CHECK(sys_kill(999999) == -VDS_ESRCH);
	CHECK(sys_kill(0) == -VDS_EINVAL);
	CHECK(sys_kill(sys_getpid()) == -VDS_EINVAL);
	CHECK(sys_wait(server, NULL) == -VDS_ECHILD); /* not ours to wait for */
	CHECK(alive(init) && alive(server));

	int first = spawn("killtest", "child", NULL);
	char s[16];
	snprintf(s, sizeof(s), "%d", first);
	int second = spawn("killtest", "child", s);
	struct vds_exit st;
	CHECK(first > 0 && second > 0);
	CHECK(sys_wait(second, &st) == second && st.reason == VDS_EXIT_NORMAL && st.code == 0);

	char name[32];
	uint64_t gc = 0;
	snprintf(name, sizeof(name), "killtest.gc.%d", first);
	for (int tries = 0; tries < 500 && VDS(name_get)(name, &gc) < 0; tries++)
		sys_sleep(2000000);
	CHECK(gc > 0 && sys_kill((int)gc) == 0); /* our grandchild */
	CHECK(sys_kill(first) == 0);             /* our child */
	CHECK(sys_wait(first, &st) == first && st.reason == VDS_EXIT_KILLED);
	for (int tries = 0; tries < 500 && alive((int)gc); tries++)
		sys_sleep(2000000);
	CHECK(!alive((int)gc));
	return fails;
}

static int orphans(int n)
{
	for (int i = 0; i < n; i++)
		CHECK(spawn("sleeper", "300", NULL) > 0);
	return fails; /* and leave them */
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";
	int a = argc > 2 ? atoi(argv[2]) : 0, b = argc > 3 ? atoi(argv[3]) : 0;
	if (strcmp(c, "parent") == 0)
		return parent(a, b);
	if (strcmp(c, "child") == 0)
		return child(a);
	if (strcmp(c, "orphans") == 0)
		return orphans(a);
	printf("usage: killtest parent INIT SERVER | child [SIBLING] | orphans N\n");
	return 99;
}
