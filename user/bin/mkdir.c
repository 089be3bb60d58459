/*
 * mkdir: make directories. With -p the missing parents are made too, one
 * name at a time from the left, and a path that already is a directory is
 * no error.
 *
 * usage: mkdir [-p] dir...
 */
#include <vdsos.h>

static int is_dir(const char *path)
{
	struct vds_stat st;
	return vds_stat(path, &st) == 0 && st.type == VDS_T_DIR;
}

/* mkdir path, with -p's leniency: an existing directory is fine. */
static int make(const char *path, int parents)
{
	int r = mkdir(path, 0777);
	if (r == -VDS_EEXIST && parents && is_dir(path))
		return 0;
	return r;
}

/* Make every directory on the way to path, then path itself. */
static int make_parents(const char *path)
{
	char buf[VDS_PATH_MAX];
	if (strlen(path) >= sizeof(buf))
		return -VDS_ENAMETOOLONG;
	strcpy(buf, path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/' || p[-1] == '/')
			continue;
		*p = '\0';
		int r = make(buf, 1);
		*p = '/';
		if (r < 0)
			return r == -VDS_EEXIST ? -VDS_ENOTDIR : r; /* a file on the way */
	}
	return make(buf, 1);
}

int main(int argc, char **argv)
{
	int parents = 0, status = 0, i = 1;
	if (i < argc && strcmp(argv[i], "-p") == 0) {
		parents = 1;
		i++;
	}
	if (i >= argc || argv[i][0] == '-') {
		fprintf(stderr, "usage: mkdir [-p] dir...\n");
		return 2;
	}
	for (; i < argc; i++) {
		int r = parents ? make_parents(argv[i]) : make(argv[i], 0);
		if (r < 0) {
			fprintf(stderr, "mkdir: %s: %s\n", argv[i], vds_strerror(r));
			status = 1;
		}
	}
	return status;
}
