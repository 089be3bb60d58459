/*
 * head: print the first lines of each file (or standard input, or "-"):
 * 10 of them, or N with -n N. With several files each one's lines come
 * after a "==> name <==" header, with a blank line before every header
 * but the first, as coreutils does.
 *
 * usage: head [-n N] [file...]
 */
#include <vdsos.h>

static char buf[VDS_FS_IO_MAX];

/* Copy the first want lines of fd to standard output: 0, or the error. */
static int head(int fd, long want)
{
	while (want > 0) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return (int)n;
		ssize_t len = 0;
		while (len < n && want > 0)
			if (buf[len++] == '\n')
				want--;
		fwrite(buf, 1, (size_t)len, stdout);
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: head [-n N] [file...]\n");
	return 2;
}

int main(int argc, char **argv)
{
	long want = 10;
	int status = 0, i = 1;
	if (i < argc && strncmp(argv[i], "-n", 2) == 0) {
		const char *num = argv[i][2] ? argv[i] + 2 : argv[++i];
		char *end;
		if (num == NULL)
			return usage();
		want = strtol(num, &end, 10);
		if (end == num || *end || want < 0)
			return usage();
		i++;
	}
	int many = argc - i > 1, headers = 0;
	for (int first = i; i < argc || i == first; i++) {
		const char *name = i < argc ? argv[i] : "-";
		int fd = strcmp(name, "-") == 0 ? 0 : open(name, O_RDONLY);
		if (many && fd >= 0)
			printf("%s==> %s <==\n", headers++ ? "\n" : "", name);
		int r = fd < 0 ? fd : head(fd, want);
		if (fd > 0)
			close(fd);
		if (r < 0) {
			fprintf(stderr, "head: %s: %s\n", name, vds_strerror(r));
			status = 1;
		}
	}
	return status;
}
