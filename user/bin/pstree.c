/*
 * pstree [PID]: the processes as a tree (lab pstree, docs/labs/pstree.md).
 * One line per process, "PID NAME", indented two spaces per level below
 * the first; children under their parent in increasing pid order. With
 * PID, that process and everything below it; without, every process.
 */
#include <vdsos.h>

#define MAXPS 64

/* LAB pstree: BEGIN list the processes with sys_ps and print the tree */
static struct vds_psinfo ps[MAXPS];
static int nps;

static const struct vds_psinfo *find(int pid)
{
	for (int i = 0; i < nps; i++)
		if (ps[i].pid == pid)
			return &ps[i];
	return NULL;
}

/* Is q a child of parent? Parent 0: is q a root (its parent not listed,
 * as the kernel's children are)? */
static int child_of(const struct vds_psinfo *q, int parent)
{
	return parent > 0 ? q->ppid == parent : find(q->ppid) == NULL;
}

/* The child of parent with the smallest pid above last, or NULL: the
 * children in pid order, without sorting. */
static const struct vds_psinfo *next_child(int parent, int last)
{
	const struct vds_psinfo *next = NULL;
	for (int i = 0; i < nps; i++)
		if (child_of(&ps[i], parent) && ps[i].pid > last &&
		    (next == NULL || ps[i].pid < next->pid))
			next = &ps[i];
	return next;
}

/* Print p's line at depth (none for the forest's invisible root, pid 0),
 * then each of its children's subtrees, in pid order. */
static void show(int pid, const char *name, int depth)
{
	if (pid > 0)
		printf("%*s%d %s\n", 2 * depth, "", pid, name);
	if (depth >= MAXPS)
		return; /* no deeper than there are processes: no loop can trap us */
	const struct vds_psinfo *c;
	for (int last = 0; (c = next_child(pid, last)) != NULL; last = c->pid)
		show(c->pid, c->name, pid > 0 ? depth + 1 : 0);
}

/* A pid: a positive decimal number, digits only, that fits; else -1. */
static int parse_pid(const char *s)
{
	long pid = 0;
	const char *d = s;
	for (; *d >= '0' && *d <= '9' && pid <= 0x7fffffff; d++)
		pid = pid * 10 + (*d - '0');
	return *d == '\0' && d != s && pid > 0 && pid <= 0x7fffffff ? (int)pid : -1;
}

int main(int argc, char **argv)
{
	if (argc > 2) {
		fprintf(stderr, "usage: pstree [PID]\n");
		return 1;
	}
	nps = sys_ps(ps, MAXPS);
	if (nps < 0) {
		fprintf(stderr, "pstree: %s\n", vds_strerror(nps));
		return 1;
	}
	if (argc == 1) {
		show(0, NULL, 0); /* every tree */
		return 0;
	}
	int pid = parse_pid(argv[1]);
	const struct vds_psinfo *p = pid > 0 ? find(pid) : NULL;
	if (p == NULL) {
		fprintf(stderr, "pstree: no process %s\n", argv[1]);
		return 1;
	}
	show(p->pid, p->name, 0);
	return 0;
}
/* LAB pstree: STUB */
#if 0
int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "pstree: not written yet\n");
	return 1;
}
#endif
/* LAB pstree: END */
