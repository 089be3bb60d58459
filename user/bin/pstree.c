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

/* Print p's line, then each of its children's subtrees, in pid order. */
static void show(const struct vds_psinfo *p, int depth)
{
	printf("%*s%d %s\n", 2 * depth, "", p->pid, p->name);
	if (depth >= MAXPS)
		return; /* no deeper than there are processes: no loop can trap us */
	for (int last = p->pid;;) {
		const struct vds_psinfo *next = NULL;
		for (int i = 0; i < nps; i++)
			if (ps[i].ppid == p->pid && ps[i].pid > last &&
			    (next == NULL || ps[i].pid < next->pid))
				next = &ps[i];
		if (next == NULL)
			return;
		show(next, depth + 1);
		last = next->pid;
	}
}

int main(int argc, char **argv)
{
	nps = sys_ps(ps, MAXPS);
	if (nps < 0) {
		fprintf(stderr, "pstree: %s\n", vds_strerror(nps));
		return 1;
	}
	if (argc > 2) {
		fprintf(stderr, "usage: pstree [PID]\n");
		return 1;
	}
	if (argc > 1) {
		/* A positive decimal number, digits only, that fits a pid. */
		long pid = 0;
		const char *s = argv[1];
		for (; *s >= '0' && *s <= '9' && pid <= 0x7fffffff; s++)
			pid = pid * 10 + (*s - '0');
		const struct vds_psinfo *p =
		    *s == '\0' && s != argv[1] && pid > 0 && pid <= 0x7fffffff ? find((int)pid)
		                                                               : NULL;
		if (p == NULL) {
			fprintf(stderr, "pstree: no process %s\n", argv[1]);
			return 1;
		}
		show(p, 0);
		return 0;
	}
	/* Every tree: processes whose parent is not listed (the kernel's
	 * children), in pid order. */
	for (int last = 0;;) {
		const struct vds_psinfo *next = NULL;
		for (int i = 0; i < nps; i++)
			if (find(ps[i].ppid) == NULL && ps[i].pid > last &&
			    (next == NULL || ps[i].pid < next->pid))
				next = &ps[i];
		if (next == NULL)
			return 0;
		show(next, 0);
		last = next->pid;
	}
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
