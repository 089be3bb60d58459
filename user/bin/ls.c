/*
 * ls: list directories. For each path (default "."), a directory's entries
 * are listed sorted by name, one a line: the size right-aligned in 8
 * columns, a space and the name, with "/" after a directory and "|" after
 * a pipe. A path that is not a directory is listed as itself, on the same
 * kind of line. With several paths, each directory's listing starts with a
 * "path:" header, set off by a blank line from what came before.
 *
 * usage: ls [path...]
 */
#include <vdsos.h>

static int lines; /* printed so far: a header after them needs a blank line */

static void show(uint64_t type, uint64_t size, const char *name)
{
	const char *mark = type == VDS_T_DIR ? "/" : type == VDS_T_PIPE ? "|" : "";
	printf("%8llu %s%s\n", (unsigned long long)size, name, mark);
	lines++;
}

static int byname(const void *a, const void *b)
{
	const struct vds_dirent *x = a, *y = b;
	return strcmp(x->name, y->name);
}

static int list(const char *path, int header)
{
	struct vds_stat st;
	int r = vds_stat(path, &st);
	if (r < 0)
		return r;
	if (st.type != VDS_T_DIR) {
		show(st.type, st.size, path);
		return 0;
	}
	struct vds_dirent *ents = NULL;
	int n = vds_listdir(path, &ents);
	if (n < 0)
		return n;
	qsort(ents, (size_t)n, sizeof(*ents), byname);
	if (header) {
		printf("%s%s:\n", lines ? "\n" : "", path);
		lines++;
	}
	for (int i = 0; i < n; i++)
		show(ents[i].type, ents[i].size, ents[i].name);
	free(ents);
	return 0;
}

int main(int argc, char **argv)
{
	int status = 0;
	for (int i = 1; i < argc || i == 1; i++) {
		const char *path = i < argc ? argv[i] : ".";
		int r = list(path, argc > 2);
		if (r < 0) {
			fprintf(stderr, "ls: %s: %s\n", path, vds_strerror(r));
			status = 1;
		}
	}
	return status;
}
