/*
 * tee: copy standard input to standard output and to each file. The files
 * are cut to nothing first, or appended to with -a; a missing one is
 * created. An output that fails is reported once and dropped, and the
 * copying goes on to the others.
 *
 * usage: tee [-a] [file...]
 */
#include <vdsos.h>

static char buf[VDS_FS_IO_MAX];

struct out {
	int fd; /* -1 once it failed */
	const char *name;
};

static int write_all(int fd, const char *p, ssize_t n)
{
	for (ssize_t done = 0; done < n;) {
		ssize_t w = write(fd, p + done, (size_t)(n - done));
		if (w < 0)
			return (int)w;
		done += w;
	}
	return 0;
}

/* Copy standard input to every live output: 0, or 1 if any failed. */
static int copy(struct out *outs, int n)
{
	int status = 0;
	for (;;) {
		ssize_t got = read(0, buf, sizeof(buf));
		if (got < 0) {
			fprintf(stderr, "tee: -: %s\n", vds_strerror((int)got));
			return 1;
		}
		if (got == 0)
			return status;
		for (int i = 0; i < n; i++) {
			int r = outs[i].fd < 0 ? 0 : write_all(outs[i].fd, buf, got);
			if (r < 0) {
				if (i > 0 || r != -VDS_EPIPE) /* nobody reads: say nothing */
					fprintf(stderr, "tee: %s: %s\n", outs[i].name,
					        vds_strerror(r));
				outs[i].fd = -1;
				status = 1;
			}
		}
	}
}

int main(int argc, char **argv)
{
	static struct out outs[VDS_FD_MAX]; /* open() runs out of descriptors first */
	int flags = O_WRONLY | O_CREAT | O_TRUNC, status = 0, n = 0, i = 1;
	if (i < argc && strcmp(argv[i], "-a") == 0) {
		flags = O_WRONLY | O_CREAT | O_APPEND;
		i++;
	}
	outs[n++] = (struct out){ 1, "-" };
	for (; i < argc; i++) {
		int fd = open(argv[i], flags);
		if (fd < 0) {
			fprintf(stderr, "tee: %s: %s\n", argv[i], vds_strerror(fd));
			status = 1;
			continue;
		}
		outs[n++] = (struct out){ fd, argv[i] };
	}
	if (copy(outs, n))
		status = 1;
	for (int j = 1; j < n; j++)
		if (outs[j].fd >= 0)
			close(outs[j].fd);
	return status;
}
