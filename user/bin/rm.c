/*
 * rm: remove files. A directory needs -r, and then goes with everything
 * in it: its entries are read in full first (so removing them does not
 * disturb the listing), each is removed, and last the directory itself.
 * With -f a path that does not exist is no error.
 *
 * usage: rm [-r] [-f] path...
 */
#include <vdsos.h>

static int recursive, force, status;

static void complain(const char *path, int r)
{
	fprintf(stderr, "rm: %s: %s\n", path, vds_strerror(r));
	status = 1;
}

static void remove_path(const char *path, uint64_t type);

/* Empty directory path, then remove it. */
static void remove_tree(const char *path)
{
	struct vds_dirent *ents = NULL;
	int n = vds_listdir(path, &ents);
	if (n < 0) {
		complain(path, n);
		return;
	}
	for (int i = 0; i < n; i++) {
		char child[VDS_PATH_MAX];
		const char *name = ents[i].name;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		if (snprintf(child, sizeof(child), "%s/%s", path, name) >= (int)sizeof(child))
			complain(path, -VDS_ENAMETOOLONG);
		else
			remove_path(child, ents[i].type);
	}
	free(ents);
	int r = rmdir(path);
	if (r < 0)
		complain(path, r);
}

static void remove_path(const char *path, uint64_t type)
{
	if (type == VDS_T_DIR && !recursive) {
		complain(path, -VDS_EISDIR);
		return;
	}
	if (type == VDS_T_DIR) {
		remove_tree(path);
		return;
	}
	int r = unlink(path);
	if (r < 0 && !(force && r == -VDS_ENOENT))
		complain(path, r);
}

int main(int argc, char **argv)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		for (const char *f = argv[i] + 1; *f; f++) {
			if (*f == 'r' || *f == 'R') {
				recursive = 1;
			} else if (*f == 'f') {
				force = 1;
			} else {
				fprintf(stderr, "usage: rm [-r] [-f] path...\n");
				return 2;
			}
		}
	}
	if (i >= argc && !force) {
		fprintf(stderr, "usage: rm [-r] [-f] path...\n");
		return 2;
	}
	for (; i < argc; i++) {
		struct vds_stat st;
		int r = vds_stat(argv[i], &st);
		if (r == 0)
			remove_path(argv[i], st.type);
		else if (!(force && r == -VDS_ENOENT))
			complain(argv[i], r);
	}
	return status;
}
