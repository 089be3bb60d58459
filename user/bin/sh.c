/*
 * sh: the shell. Reads a line (from the console, a script file, or -c),
 * and runs it:
 *
 *   line     := pipeline { (";" | "&") pipeline } [";" | "&"]
 *   pipeline := command { "|" command }
 *   command  := word { word | "<" file | ">" file | ">>" file }
 *
 * Words are split at blanks; "double" and 'single' quotes keep blanks.
 * Programs are found in /bin (through the file server; the initrd's if it
 * is not running) or by path. A pipeline with & runs in the background as
 * a numbered job. Built-ins: cd, pwd, jobs, help, exit [code], halt [code].
 */
#include <errno.h>
#include <vdsos.h>

#define LINE     512
#define MAXTOK   64
#define MAXSTAGE 8
#define MAXARGS  16
#define MAXJOBS  16

enum { T_WORD, T_PIPE, T_IN, T_OUT, T_APPEND, T_SEQ, T_BG, T_END };

struct token {
	int kind;
	char *word;
};

struct stage {
	char *argv[MAXARGS + 1];
	int argc;
	char *in, *out; /* redirections, or NULL */
	int append;
};

struct job {
	int id; /* 0: free */
	int pids[MAXSTAGE];
	int n, left; /* stages, and those still running */
	char cmd[64];
};

static struct job jobs[MAXJOBS];
static int next_job = 1;
static int status; /* of the last foreground pipeline, for exit and scripts */

static void err(const char *what, int code)
{
	fprintf(stderr, "sh: %s: %s\n", what, vds_strerror(code));
}

/* ---- words ---- */

/* Split line into tokens; words are copied, unquoted, into store
 * (which needs as many bytes as line, plus one per word). */
static int lex(const char *line, char *store, struct token *t, int max)
{
	int n = 0;
	const char *p = line;
	for (;;) {
		while (*p && strchr(" \t\r\n", *p))
			p++;
		if (*p == '\0' || *p == '#')
			break;
		if (n == max - 1) {
			fprintf(stderr, "sh: too many words\n");
			return -1;
		}
		if (strchr("|<>;&", *p)) {
			int k = *p == '|'     ? T_PIPE
			        : *p == '<'   ? T_IN
			        : *p == ';'   ? T_SEQ
			        : *p == '&'   ? T_BG
			        : p[1] == '>' ? T_APPEND
			                      : T_OUT;
			p += k == T_APPEND ? 2 : 1;
			t[n++] = (struct token){ k, NULL };
			continue;
		}
		/* A word: runs of plain and quoted text. */
		t[n++] = (struct token){ T_WORD, store };
		while (*p && !strchr(" \t\r\n|<>;&", *p)) {
			if (*p == '"' || *p == '\'') {
				const char *q = strchr(p + 1, *p);
				if (q == NULL) {
					fprintf(stderr, "sh: missing closing %c\n", *p);
					return -1;
				}
				memcpy(store, p + 1, (size_t)(q - p - 1));
				store += q - p - 1;
				p = q + 1;
			} else {
				*store++ = *p++;
			}
		}
		*store++ = '\0';
	}
	t[n] = (struct token){ T_END, NULL };
	return n;
}

/* Parse one pipeline from t[*i]; stop at ; & or the end. */
static int parse(struct token *t, int *i, struct stage *st, int *nst)
{
	int n = 0;
	memset(&st[0], 0, sizeof(st[0]));
	for (;; (*i)++) {
		struct token *k = &t[*i];
		struct stage *s = &st[n];
		switch (k->kind) {
		case T_WORD:
			if (s->argc == MAXARGS) {
				fprintf(stderr, "sh: too many arguments\n");
				return -1;
			}
			s->argv[s->argc++] = k->word;
			break;
		case T_IN:
		case T_OUT:
		case T_APPEND:
			if (t[*i + 1].kind != T_WORD) {
				fprintf(stderr, "sh: %s needs a file name\n",
				        k->kind == T_IN    ? "<"
				        : k->kind == T_OUT ? ">"
				                           : ">>");
				return -1;
			}
			(*i)++;
			if (k->kind == T_IN)
				s->in = t[*i].word;
			else
				s->out = t[*i].word, s->append = k->kind == T_APPEND;
			break;
		case T_PIPE:
			if (s->argc == 0 || n == MAXSTAGE - 1) {
				fprintf(stderr, s->argc ? "sh: pipeline too long\n"
				                        : "sh: a command is missing before |\n");
				return -1;
			}
			n++;
			memset(&st[n], 0, sizeof(st[n]));
			break;
		default: /* ; & or the end */
			if (s->argc == 0 && (n > 0 || s->in || s->out)) {
				fprintf(stderr, "sh: a command is missing\n");
				return -1;
			}
			*nst = s->argc ? n + 1 : 0;
			return 0;
		}
	}
}

/* ---- running ---- */

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

/* Say how pid ended if it did not exit (a status of its own is no news:
 * grep says 1 when nothing matched); the status it stands for. */
static int report(int pid, const struct vds_exit *st)
{
	switch (st->reason) {
	case VDS_EXIT_NORMAL:
		return st->code;
	case VDS_EXIT_FAULT:
		fprintf(stderr, "[%d killed: %s at 0x%lx]\n", pid, cause(st->scause),
		        (unsigned long)st->stval);
		break;
	case VDS_EXIT_KILLED:
		fprintf(stderr, "[%d killed]\n", pid);
		break;
	default:
		fprintf(stderr, "[%d killed: ecall outside the vDSO doorbell]\n", pid);
		break;
	}
	return 128;
}

/* Start a program with descriptors 0, 1, 2 from map; a clear error. */
static int start(struct stage *s, const int map[3])
{
	fflush(stdout); /* what the shell printed comes before the child's */
	int pid = vds_spawnfd(s->argv, map, 3);
	if (pid == -VDS_ENOENT && !strchr(s->argv[0], '/'))
		fprintf(stderr, "sh: %s: no such program\n", s->argv[0]);
	else if (pid < 0)
		err(s->argv[0], pid);
	return pid;
}

static int open_redirect(const char *path, int flags)
{
	int fd = open(path, flags, 0644);
	if (fd < 0)
		err(path, fd);
	return fd;
}

/* Run a pipeline of n stages; wait for it unless bg. */
static void run(struct stage *st, int n, int bg, const char *text)
{
	int pids[MAXSTAGE], started = 0, in = -1, fail = 0; /* in: the last pipe's read end */
	struct job *j = NULL;
	if (bg) {
		/* The job's line comes before anything the job prints. */
		for (int i = 0; i < MAXJOBS && !j; i++)
			if (jobs[i].id == 0)
				j = &jobs[i];
		if (j == NULL) {
			fprintf(stderr, "sh: too many jobs (at most %d)\n", MAXJOBS);
			return;
		}
		*j = (struct job){ .id = next_job++ };
		size_t len = strnlen(text, sizeof(j->cmd) - 1);
		memcpy(j->cmd, text, len); /* what jobs shows: the line's start */
		j->cmd[len] = '\0';
		printf("[%d] %s\n", j->id, j->cmd);
		fflush(stdout);
	}
	for (int k = 0; k < n && !fail; k++) {
		int map[3] = { in >= 0 ? in : 0, 1, 2 }, p[2] = { -1, -1 }, rin = -1, rout = -1;
		if (k + 1 < n) {
			int r = pipe(p);
			if (r < 0) {
				err("pipe", r);
				fail = 1;
				break;
			}
			map[1] = p[1];
		}
		if (st[k].in && (rin = open_redirect(st[k].in, O_RDONLY)) >= 0)
			map[0] = rin;
		if (st[k].out &&
		    (rout = open_redirect(st[k].out, O_WRONLY | O_CREAT |
		                                         (st[k].append ? O_APPEND : O_TRUNC))) >= 0)
			map[1] = rout;
		if ((st[k].in && rin < 0) || (st[k].out && rout < 0))
			fail = 1;
		else if ((pids[started] = start(&st[k], map)) > 0)
			started++;
		else
			fail = 1;
		/* The children hold what they need: close the shell's copies. */
		if (rin >= 0)
			close(rin);
		if (rout >= 0)
			close(rout);
		if (p[1] >= 0)
			close(p[1]);
		if (in >= 0)
			close(in);
		in = p[0];
	}
	if (in >= 0)
		close(in);
	if (fail)
		status = 127;
	if (j) {
		j->n = j->left = started;
		memcpy(j->pids, pids, sizeof(int) * (size_t)started);
		if (started == 0)
			j->id = 0;
		return;
	}
	for (int k = 0; k < started; k++) {
		struct vds_exit ex;
		if (sys_wait(pids[k], &ex) == pids[k]) {
			int s = report(pids[k], &ex);
			if (k == started - 1 && !fail)
				status = s;
		}
	}
}

/* Collect background children that ended, without waiting. */
static void reap(void)
{
	struct vds_psinfo ps[64];
	int n = sys_ps(ps, 64), me = sys_getpid();
	for (int i = 0; i < n; i++) {
		struct vds_exit ex;
		if (ps[i].ppid != me || ps[i].state != VDS_PS_ZOMBIE ||
		    sys_wait(ps[i].pid, &ex) != ps[i].pid)
			continue;
		report(ps[i].pid, &ex);
		for (int j = 0; j < MAXJOBS; j++)
			for (int k = 0; jobs[j].id && k < jobs[j].n; k++)
				if (jobs[j].pids[k] == ps[i].pid && --jobs[j].left == 0) {
					printf("[%d] done  %s\n", jobs[j].id, jobs[j].cmd);
					jobs[j].id = 0;
				}
	}
}

/* ---- built-ins ---- */

static const char *const programs = SH_PROGRAMS; /* from the Makefile: user/bin */

static void help(void)
{
	printf("built-ins: cd [dir], pwd, jobs, help, exit [code], halt [code]\n"
	       "syntax:    a | b | c, < in, > out, >> out, a ; b, a & (background)\n"
	       "programs:  %s\n",
	       programs);
}

/* Run a built-in if argv names one: 1 if it did, -1 if the shell ends. */
static int builtin(int argc, char **argv, int *code)
{
	const char *c = argv[0];
	if (strcmp(c, "cd") == 0) {
		int r = chdir(argc > 1 ? argv[1] : "/");
		if (r < 0)
			err(argc > 1 ? argv[1] : "/", r);
		status = r < 0;
	} else if (strcmp(c, "pwd") == 0) {
		char d[VDS_PATH_MAX];
		printf("%s\n", getcwd(d, sizeof(d)));
	} else if (strcmp(c, "jobs") == 0) {
		for (int j = 0; j < MAXJOBS; j++)
			if (jobs[j].id)
				printf("[%d] running (pid %d)  %s\n", jobs[j].id,
				       jobs[j].pids[jobs[j].n - 1], jobs[j].cmd);
	} else if (strcmp(c, "help") == 0) {
		help();
	} else if (strcmp(c, "exit") == 0) {
		*code = argc > 1 ? atoi(argv[1]) : status;
		return -1;
	} else if (strcmp(c, "halt") == 0 || strcmp(c, "shutdown") == 0) {
		fflush(stdout);
		sys_halt(argc > 1 ? atoi(argv[1]) : 0);
	} else {
		return 0;
	}
	return 1;
}

/* Run one line; -1 if it asked the shell to end (with *code). */
static int line(char *text, int *code)
{
	char store[LINE + MAXTOK];
	struct token t[MAXTOK];
	struct stage st[MAXSTAGE];
	text[strcspn(text, "\n")] = '\0';
	if (lex(text, store, t, MAXTOK) < 0) {
		status = 2;
		return 0;
	}
	for (int i = 0; t[i].kind != T_END;) {
		int n;
		if (parse(t, &i, st, &n) < 0) {
			status = 2;
			return 0;
		}
		int bg = t[i].kind == T_BG;
		if (t[i].kind != T_END)
			i++;
		if (n == 0)
			continue; /* an empty command between separators */
		if (n == 1 && !st[0].in && !st[0].out && !bg) {
			int b = builtin(st[0].argc, st[0].argv, code);
			if (b < 0)
				return -1;
			if (b > 0)
				continue;
		}
		run(st, n, bg, text);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static char buf[LINE];
	FILE *in = stdin;
	int code = 0;
	const char *cmd = NULL;
	if (argc > 2 && strcmp(argv[1], "-c") == 0) {
		cmd = argv[2];
	} else if (argc > 1) {
		in = fopen(argv[1], "r");
		if (in == NULL) {
			err(argv[1], -errno);
			return 127;
		}
	}
	if (cmd) {
		if (snprintf(buf, sizeof(buf), "%s", cmd) >= (int)sizeof(buf)) {
			fprintf(stderr, "sh: -c: command too long (at most %d bytes)\n", LINE - 1);
			return 2;
		}
		return line(buf, &code) < 0 ? code : status;
	}
	int interactive = in == stdin && isatty(0);
	for (;;) {
		reap();
		if (interactive) {
			printf("$ ");
			fflush(stdout);
		}
		if (fgets(buf, sizeof(buf), in) == NULL)
			return status; /* end of input */
		if (strlen(buf) == sizeof(buf) - 1 && buf[sizeof(buf) - 2] != '\n') {
			fprintf(stderr, "sh: line too long (at most %d bytes)\n", LINE - 2);
			while (fgets(buf, sizeof(buf), in) && !strchr(buf, '\n'))
				;
			continue;
		}
		if (line(buf, &code) < 0)
			return code;
	}
}
