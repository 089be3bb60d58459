/* cat: copy each file (or standard input, or "-") to standard output. */
#include <vdsos.h>

static char buf[VDS_FS_IO_MAX];

/* Copy fd to standard output: 0, or the error. */
static int copy(int fd)
{
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return (int)n;
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(1, buf + done, (size_t)(n - done));
			if (w < 0)
				return (int)w;
			done += w;
		}
	}
}

int main(int argc, char **argv)
{
	int status = 0;
	for (int i = 1; i < argc || i == 1; i++) {
		const char *name = i < argc ? argv[i] : "-";
		int fd = strcmp(name, "-") == 0 ? 0 : open(name, O_RDONLY);
		int r = fd < 0 ? fd : copy(fd);
		if (fd > 0)
			close(fd);
		if (r == -VDS_EPIPE)
			return 1; /* nobody reads any more */
		if (r < 0) {
			fprintf(stderr, "cat: %s: %s\n", name, vds_strerror(r));
			status = 1;
		}
	}
	return status;
}
