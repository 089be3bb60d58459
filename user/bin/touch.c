/*
 * touch: make sure each file exists. A missing file is created empty; an
 * existing one is left as it is (vdsOS files have no timestamps to
 * update), and so is a directory.
 *
 * usage: touch file...
 */
#include <vdsos.h>

static int touch(const char *path)
{
	struct vds_stat st;
	if (vds_stat(path, &st) == 0)
		return 0; /* there already: nothing to change */
	int fd = open(path, O_WRONLY | O_CREAT);
	if (fd < 0)
		return fd;
	return close(fd);
}

int main(int argc, char **argv)
{
	int status = 0;
	if (argc < 2) {
		fprintf(stderr, "usage: touch file...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		int r = touch(argv[i]);
		if (r < 0) {
			fprintf(stderr, "touch: %s: %s\n", argv[i], vds_strerror(r));
			status = 1;
		}
	}
	return status;
}
