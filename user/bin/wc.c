/*
 * wc: count lines, words and bytes of each file (or standard input).
 * "wc [-l] [-w] [-c] [file...]": with options, only the counts asked for.
 */
#include <vdsos.h>

static char buf[VDS_FS_IO_MAX];

struct count {
	uint64_t lines, words, bytes;
};

static int count(int fd, struct count *c)
{
	int inword = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0) {
			c->words += inword && n == 0; /* the last word, with no blank after it */
			return (int)n;
		}
		c->bytes += (uint64_t)n;
		for (ssize_t i = 0; i < n; i++) {
			char ch = buf[i];
			int blank = ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r';
			c->lines += ch == '\n';
			c->words += inword && blank;
			inword = !blank;
		}
	}
}

static int want_lines = 1, want_words = 1, want_bytes = 1;

static void show(const struct count *c, const char *name)
{
	const char *sep = "";
	if (want_lines)
		printf("%7llu", (unsigned long long)c->lines), sep = " ";
	if (want_words)
		printf("%s%7llu", sep, (unsigned long long)c->words), sep = " ";
	if (want_bytes)
		printf("%s%7llu", sep, (unsigned long long)c->bytes);
	printf("%s%s\n", name ? " " : "", name ? name : "");
}

int main(int argc, char **argv)
{
	struct count total = { 0 };
	int status = 0, first = 1;
	if (argc > 1 && argv[1][0] == '-' && argv[1][1]) {
		want_lines = want_words = want_bytes = 0;
		for (; first < argc && argv[first][0] == '-' && argv[first][1]; first++)
			for (const char *o = argv[first] + 1; *o; o++) {
				if (*o == 'l')
					want_lines = 1;
				else if (*o == 'w')
					want_words = 1;
				else if (*o == 'c')
					want_bytes = 1;
				else {
					fprintf(stderr, "usage: wc [-l] [-w] [-c] [file...]\n");
					return 2;
				}
			}
	}
	for (int i = first; i < argc || i == first; i++) {
		const char *name = i < argc ? argv[i] : NULL;
		struct count c = { 0 };
		int fd = name == NULL ? 0 : open(name, O_RDONLY);
		int r = fd < 0 ? fd : count(fd, &c);
		if (fd > 0)
			close(fd);
		if (r < 0) {
			fprintf(stderr, "wc: %s: %s\n", name ? name : "-", vds_strerror(r));
			status = 1;
			continue;
		}
		show(&c, name);
		total.lines += c.lines;
		total.words += c.words;
		total.bytes += c.bytes;
	}
	if (argc - first > 1)
		show(&total, "total");
	return status;
}
