/*
 * mv: rename a file or directory. When the destination is an existing
 * directory, each source moves into it under its own last name; with more
 * than one source the destination must be such a directory.
 *
 * usage: mv src dst
 *        mv src... dir
 */
#include <vdsos.h>

static int is_dir(const char *path)
{
	struct vds_stat st;
	return vds_stat(path, &st) == 0 && st.type == VDS_T_DIR;
}

/* The last name of path, trailing slashes dropped, into out. */
static void last_name(const char *path, char *out, size_t size)
{
	size_t end = strlen(path);
	while (end > 1 && path[end - 1] == '/')
		end--;
	size_t start = end;
	while (start > 0 && path[start - 1] != '/')
		start--;
	snprintf(out, size, "%.*s", (int)(end - start), path + start);
}

/* Move src to dst, or into dst when into is set. */
static int move(const char *src, const char *dst, int into)
{
	char name[VDS_FNAME_MAX], target[VDS_PATH_MAX];
	if (!into)
		return rename(src, dst);
	last_name(src, name, sizeof(name));
	if (snprintf(target, sizeof(target), "%s/%s", dst, name) >= (int)sizeof(target))
		return -VDS_ENAMETOOLONG;
	return rename(src, target);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: mv src dst\n       mv src... dir\n");
		return 2;
	}
	const char *dst = argv[argc - 1];
	int into = is_dir(dst), status = 0;
	if (argc > 3 && !into) {
		fprintf(stderr, "mv: %s: %s\n", dst, vds_strerror(-VDS_ENOTDIR));
		return 1;
	}
	for (int i = 1; i < argc - 1; i++) {
		int r = move(argv[i], dst, into);
		if (r < 0) {
			fprintf(stderr, "mv: %s: %s\n", argv[i], vds_strerror(r));
			status = 1;
		}
	}
	return status;
}
