/*
 * sh: the shell. Reads a line, splits it into words (double quotes keep
 * spaces), runs the program from the initrd and reports how it ended.
 * A trailing & runs it in the background. Built-ins: help, exit [code]
 * (init starts a new shell), halt [code] (ends the machine).
 */
#include <vdsos.h>

#define MAXWORDS 16
#define LINE     256

static const char *const programs = SH_PROGRAMS; /* from the Makefile: user/bin */

static int split(char *line, char **argv)
{
	int argc = 0;
	char *p = line;
	while (*p && argc < MAXWORDS) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (*p == '\0')
			break;
		if (*p == '"') {
			argv[argc++] = ++p;
			while (*p && *p != '"')
				p++;
		} else {
			argv[argc++] = p;
			while (*p && *p != ' ' && *p != '\t' && *p != '\n')
				p++;
		}
		if (*p)
			*p++ = '\0';
	}
	argv[argc] = NULL;
	return argc;
}

static const char *cause(uint64_t scause)
{
	switch (scause) {
	case 2:
		return "illegal instruction";
	case 12:
		return "instruction page fault";
	case 13:
		return "load page fault";
	case 15:
		return "store page fault";
	default:
		return "fault";
	}
}

static void report(int pid, const struct vds_exit *st)
{
	switch (st->reason) {
	case VDS_EXIT_NORMAL:
		if (st->code != 0)
			printf("[%d exited with status %d]\n", pid, st->code);
		break;
	case VDS_EXIT_FAULT:
		printf("[%d killed: %s at 0x%lx]\n", pid, cause(st->scause),
		       (unsigned long)st->stval);
		break;
	case VDS_EXIT_KILLED:
		printf("[%d killed]\n", pid);
		break;
	default:
		printf("[%d killed: ecall outside the vDSO doorbell]\n", pid);
		break;
	}
}

static void run(int argc, char **argv)
{
	int background = strcmp(argv[argc - 1], "&") == 0;
	if (background)
		argv[--argc] = NULL;
	if (argc == 0)
		return;
	int pid = sys_spawn(argv, argc);
	if (pid < 0) {
		printf("sh: %s: %s\n", argv[0], vds_strerror(pid));
		return;
	}
	if (background) {
		printf("[%d]\n", pid);
		return;
	}
	struct vds_exit st;
	if (sys_wait(pid, &st) == pid)
		report(pid, &st);
}

/* Collect background children that ended, without waiting. */
static void reap(void)
{
	struct vds_psinfo ps[64];
	int n = sys_ps(ps, 64), me = sys_getpid();
	for (int i = 0; i < n; i++) {
		if (ps[i].ppid == me && ps[i].state == VDS_PS_ZOMBIE) {
			struct vds_exit st;
			if (sys_wait(ps[i].pid, &st) == ps[i].pid) {
				printf("[%d done]\n", ps[i].pid);
				report(ps[i].pid, &st);
			}
		}
	}
}

int main(void)
{
	static char line[LINE];
	char *argv[MAXWORDS + 1];
	for (;;) {
		reap();
		printf("$ ");
		fflush(stdout);
		if (fgets(line, sizeof(line), stdin) == NULL)
			return 0; /* end of input */
		int argc = split(line, argv);
		if (argc == 0)
			continue;
		if (strcmp(argv[0], "exit") == 0)
			return argc > 1 ? atoi(argv[1]) : 0;
		if (strcmp(argv[0], "halt") == 0 || strcmp(argv[0], "shutdown") == 0) {
			fflush(stdout);
			sys_halt(argc > 1 ? atoi(argv[1]) : 0);
		}
		if (strcmp(argv[0], "help") == 0) {
			printf(
			    "built-ins: help, exit [code] (a new shell starts), halt [code] (the\n"
			    "           machine ends); cmd & runs in the background\n");
			printf("programs:  %s\n", programs);
			continue;
		}
		run(argc, argv);
	}
}
