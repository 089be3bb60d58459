/*
 * grep: print the lines of each file (or standard input, or "-") that
 * contain STRING, a fixed string, not a pattern. -v selects the lines that
 * do not contain it, -n puts each line's number before it, -c prints only
 * how many lines were selected. With several files each output line starts
 * with "file:". Lines are read in pieces of at most LINE_SIZE - 1 bytes, so
 * a longer line is taken as several. Exit status: 0 if some line was
 * selected, 1 if none, 2 on an error or a usage mistake.
 *
 * usage: grep [-v] [-c] [-n] STRING [file...]
 */
#include <vdsos.h>

#define LINE_SIZE 4096

static int invert, count_only, numbers;

/* A descriptor read a block at a time, handed out a line at a time. */
struct input {
	int fd;
	ssize_t len, pos;
	char buf[VDS_FS_IO_MAX];
};

/* The next line of in, newline included, into line: its length, 0 at
 * the end, or the error. */
static int next_line(struct input *in, char *line)
{
	int len = 0;
	while (len < LINE_SIZE - 1) {
		if (in->pos == in->len) {
			in->len = read(in->fd, in->buf, sizeof(in->buf));
			in->pos = 0;
			if (in->len <= 0)
				return in->len < 0 ? (int)in->len : len;
		}
		line[len++] = in->buf[in->pos++];
		if (line[len - 1] == '\n')
			break;
	}
	line[len] = '\0';
	return len;
}

/* Search fd: how many lines were selected, or the error. */
static int search(int fd, const char *str, const char *prefix)
{
	static struct input in;
	static char line[LINE_SIZE];
	int selected = 0, len;
	in = (struct input){ .fd = fd };
	for (long num = 1; (len = next_line(&in, line)) > 0; num++) {
		if ((strstr(line, str) != NULL) == invert)
			continue;
		selected++;
		if (count_only)
			continue;
		printf("%s", prefix);
		if (numbers)
			printf("%ld:", num);
		printf("%s%s", line, line[len - 1] == '\n' ? "" : "\n");
	}
	if (len < 0)
		return len;
	if (count_only)
		printf("%s%d\n", prefix, selected);
	return selected;
}

/* The flags before STRING: the index of STRING, or -1. */
static int options(int argc, char **argv)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "--") == 0)
			return i + 1;
		for (const char *f = argv[i] + 1; *f; f++) {
			if (*f == 'v')
				invert = 1;
			else if (*f == 'c')
				count_only = 1;
			else if (*f == 'n')
				numbers = 1;
			else
				return -1;
		}
	}
	return i;
}

int main(int argc, char **argv)
{
	int i = options(argc, argv), found = 0, failed = 0;
	if (i < 0 || i >= argc) {
		fprintf(stderr, "usage: grep [-v] [-c] [-n] STRING [file...]\n");
		return 2;
	}
	const char *str = argv[i++];
	int many = argc - i > 1;
	for (int first = i; i < argc || i == first; i++) {
		const char *name = i < argc ? argv[i] : "-";
		char prefix[VDS_PATH_MAX + 1] = "";
		if (many)
			snprintf(prefix, sizeof(prefix), "%s:", name);
		int fd = strcmp(name, "-") == 0 ? 0 : open(name, O_RDONLY);
		int r = fd < 0 ? fd : search(fd, str, prefix);
		if (fd > 0)
			close(fd);
		if (r < 0) {
			fprintf(stderr, "grep: %s: %s\n", name, vds_strerror(r));
			failed = 1;
		}
		found |= r > 0;
	}
	return failed ? 2 : found ? 0 : 1;
}
