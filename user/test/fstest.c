/*
 * fstest: files, directories and pipes through the file server, after
 * xv6's usertests; kernel/test/test_fs.c runs each mode as its own test
 * with a fresh server. "fstest MODE": exits 0 when every check holds, else
 * prints the first that failed and exits 1.
 *
 *   create big many unlinkopen dirs rename dotdot     files and directories
 *   exec                                              programs from files
 *   pipe1m pipe3 pipeeof pipebroken                   pipes
 *   shell                                             sh scripts, compared
 *   hostile dead                                      attacks on the server
 *
 * Helper modes that the others spawn: gen N (N pattern bytes to stdout),
 * check N (read N pattern bytes from stdin), eat N (read N bytes), thief H
 * (use handle H of another process), holder (open files, then block in a
 * pipe write).
 */
#include <vdsos.h>

#define CHECK_PROG "fstest"
#include "check.h"

static const char *mode = "";

static char buf[64 * 1024], buf2[64 * 1024];

static uint8_t pattern(uint64_t i)
{
	return (uint8_t)(i * 7 + (i >> 9) + (i >> 17));
}

/* Write the whole of s to path, replacing it. */
static int put(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC);
	CHECK(fd >= 0);
	EQ(write(fd, s, strlen(s)), strlen(s));
	EQ(close(fd), 0);
	return 0;
}

/* Does path hold exactly s? */
static int holds(const char *path, const char *s)
{
	int fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	ssize_t n = read(fd, buf2, sizeof(buf2) - 1);
	close(fd);
	CHECK(n >= 0);
	buf2[n] = '\0';
	if (strcmp(buf2, s) != 0) {
		fprintf(stderr, "fstest %s: %s holds:\n%s--- not:\n%s---\n", mode, path, buf2, s);
		return 1;
	}
	return 0;
}

static int stats(struct vds_fs_stats *s)
{
	return vds_fs_stats(s);
}

/* Wait up to 20 s for the server's counts to be back at *base (the
 * server sweeps for dead clients every 40 ms; 8 busy harts slow it). */
static int back_to(const struct vds_fs_stats *base)
{
	struct vds_fs_stats now = { 0 };
	for (int i = 0; i < 2000; i++) {
		CHECK(stats(&now) == 0);
		if (now.handles == base->handles && now.files == base->files &&
		    now.pending == base->pending && now.nodes == base->nodes)
			return 0;
		sys_sleep(10 * 1000 * 1000);
	}
	fprintf(stderr, "fstest %s: counts %llu %llu %llu %llu, were %llu %llu %llu %llu\n", mode,
	        (unsigned long long)now.handles, (unsigned long long)now.files,
	        (unsigned long long)now.pending, (unsigned long long)now.nodes,
	        (unsigned long long)base->handles, (unsigned long long)base->files,
	        (unsigned long long)base->pending, (unsigned long long)base->nodes);
	return 1;
}

/* Run argv with descriptors 0, 1, 2 = map; its exit code (or -1). */
static int run(char *const argv[], const int map[3])
{
	int pid = vds_spawnfd(argv, map, 3);
	struct vds_exit st;
	if (pid < 0 || sys_wait(pid, &st) != pid || st.reason != VDS_EXIT_NORMAL)
		return -1;
	return st.code;
}

/* ---- files ---- */

/* Create, write, read back; O_EXCL, O_APPEND, lseek, ftruncate, stat. */
static int t_create(void)
{
	const char *msg = "hello, file server\n";
	RUN(put("/tmp/a", msg));
	RUN(holds("/tmp/a", msg));
	EQ(open("/tmp/a", O_WRONLY | O_CREAT | O_EXCL), -VDS_EEXIST);
	int fd = open("/tmp/a", O_RDWR | O_APPEND);
	CHECK(fd >= 0);
	EQ(write(fd, "more\n", 5), 5);
	EQ(lseek(fd, 0, SEEK_SET), 0);
	EQ(read(fd, buf, 5), 5);
	CHECK(memcmp(buf, "hello", 5) == 0);
	EQ(lseek(fd, -5, SEEK_END), strlen(msg));
	EQ(read(fd, buf, sizeof(buf)), 5);
	EQ(read(fd, buf, sizeof(buf)), 0); /* end of file */
	EQ(ftruncate(fd, 5), 0);
	struct stat st;
	EQ(fstat(fd, &st), 0);
	EQ(st.st_size, 5);
	CHECK(S_ISREG(st.st_mode));
	EQ(close(fd), 0);
	EQ(close(fd), -VDS_EBADF);
	RUN(holds("/tmp/a", "hello"));
	fd = open("/tmp/a", O_RDONLY);
	EQ(write(fd, "x", 1), -VDS_EBADF); /* read-only */
	EQ(ftruncate(fd, 0), -VDS_EBADF);
	close(fd);
	EQ(open("/tmp/none", O_RDONLY), -VDS_ENOENT);
	EQ(open("/tmp/a/b", O_RDONLY), -VDS_ENOTDIR);
	EQ(open("/tmp", O_WRONLY), -VDS_EISDIR);
	fd = open("/tmp", O_RDONLY);
	EQ(read(fd, buf, 1), -VDS_EISDIR);
	close(fd);
	/* a hole reads as zeros */
	fd = open("/tmp/hole", O_RDWR | O_CREAT);
	EQ(lseek(fd, 1000, SEEK_SET), 1000);
	EQ(write(fd, "!", 1), 1);
	EQ(lseek(fd, 0, SEEK_SET), 0);
	EQ(read(fd, buf, sizeof(buf)), 1001);
	CHECK(buf[0] == 0 && buf[999] == 0 && buf[1000] == '!');
	close(fd);
	/* stdio on a file */
	FILE *f = fopen("/tmp/stdio", "w");
	CHECK(f != NULL);
	fprintf(f, "%d %s\n", 42, "answer");
	EQ(fclose(f), 0);
	RUN(holds("/tmp/stdio", "42 answer\n"));
	return 0;
}

/* A file of 6 MiB written in odd-sized pieces, read back byte for byte. */
static int t_big(void)
{
	const uint64_t size = 6 << 20;
	int fd = open("/tmp/big", O_WRONLY | O_CREAT | O_TRUNC);
	CHECK(fd >= 0);
	for (uint64_t off = 0; off < size;) {
		size_t n = size - off < 40000 ? size - off : 40000;
		for (size_t i = 0; i < n; i++)
			buf[i] = (char)pattern(off + i);
		EQ(write(fd, buf, n), n);
		off += n;
	}
	EQ(close(fd), 0);
	struct vds_stat vs;
	EQ(vds_stat("/tmp/big", &vs), 0);
	EQ(vs.size, size);
	fd = open("/tmp/big", O_RDONLY);
	uint64_t off = 0;
	for (ssize_t n; (n = read(fd, buf, sizeof(buf))) > 0; off += (uint64_t)n)
		for (ssize_t i = 0; i < n; i++)
			if ((uint8_t)buf[i] != pattern(off + (uint64_t)i)) {
				fprintf(stderr, "fstest big: byte %llu differs\n",
				        (unsigned long long)(off + (uint64_t)i));
				return 1;
			}
	EQ(off, size);
	close(fd);
	EQ(unlink("/tmp/big"), 0);
	return 0;
}

/* 200 files in a directory: all listed, all removed. */
static int t_many(void)
{
	enum { N = 200 };
	char name[64];
	EQ(mkdir("/tmp/many", 0777), 0);
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "/tmp/many/f%03d", i);
		snprintf(buf, sizeof(buf), "%d\n", i);
		RUN(put(name, buf));
	}
	int fd = open("/tmp/many", O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0);
	static struct vds_dirent d[64];
	static char seen[N];
	int total = 0;
	for (int n; (n = vds_readdir(fd, d, 64)) > 0; total += n)
		for (int i = 0; i < n; i++) {
			int k = atoi(d[i].name + 1);
			CHECK(d[i].name[0] == 'f' && k >= 0 && k < N && !seen[k]);
			EQ(d[i].type, VDS_T_FILE);
			seen[k] = 1;
		}
	EQ(total, N);
	close(fd);
	EQ(rmdir("/tmp/many"), -VDS_ENOTEMPTY);
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "/tmp/many/f%03d", i);
		EQ(unlink(name), 0);
	}
	EQ(rmdir("/tmp/many"), 0);
	EQ(vds_stat("/tmp/many", &(struct vds_stat){ 0 }), -VDS_ENOENT);
	return 0;
}

/* A file unlinked while open is still read and written through it. */
static int t_unlinkopen(void)
{
	struct vds_fs_stats base;
	CHECK(stats(&base) == 0);
	RUN(put("/tmp/u", "still here"));
	int fd = open("/tmp/u", O_RDWR);
	CHECK(fd >= 0);
	EQ(unlink("/tmp/u"), 0);
	EQ(vds_stat("/tmp/u", &(struct vds_stat){ 0 }), -VDS_ENOENT);
	EQ(read(fd, buf, sizeof(buf)), 10);
	CHECK(memcmp(buf, "still here", 10) == 0);
	EQ(write(fd, "!", 1), 1);
	RUN(put("/tmp/u", "new")); /* a new file by the same name */
	RUN(holds("/tmp/u", "new"));
	EQ(close(fd), 0);
	EQ(unlink("/tmp/u"), 0);
	return back_to(&base); /* the unlinked file's node is gone */
}

/* Directories: nesting, listing types, rmdir rules, relative paths. */
static int t_dirs(void)
{
	EQ(mkdir("/tmp/d", 0777), 0);
	EQ(mkdir("/tmp/d", 0777), -VDS_EEXIST);
	EQ(mkdir("/tmp/d/e", 0777), 0);
	EQ(mkdir("/tmp/nope/e", 0777), -VDS_ENOENT);
	RUN(put("/tmp/d/file", "x"));
	EQ(mkdir("/tmp/d/file/e", 0777), -VDS_ENOTDIR);
	struct vds_stat vs;
	EQ(vds_stat("/tmp/d", &vs), 0);
	EQ(vs.type, VDS_T_DIR);
	EQ(vs.size, 2);
	EQ(chdir("/tmp/d"), 0);
	CHECK(getcwd(buf, sizeof(buf)) != NULL && strcmp(buf, "/tmp/d") == 0);
	RUN(holds("file", "x"));
	RUN(put("e/g", "in e"));
	RUN(holds("/tmp/d/e/g", "in e"));
	EQ(chdir("file"), -VDS_ENOTDIR);
	EQ(chdir("e"), 0);
	RUN(holds("g", "in e"));
	EQ(rmdir("/tmp/d/e"), -VDS_ENOTEMPTY);
	EQ(unlink("g"), 0);
	EQ(chdir("/"), 0);
	EQ(rmdir("/tmp/d/e"), 0);
	EQ(rmdir("/tmp/d/file"), -VDS_ENOTDIR);
	EQ(unlink("/tmp/d/file"), 0);
	EQ(rmdir("/tmp/d"), 0);
	EQ(rmdir("/"), -VDS_EBUSY);
	return 0;
}

static int t_rename(void)
{
	EQ(mkdir("/tmp/r", 0777), 0);
	EQ(mkdir("/tmp/r/sub", 0777), 0);
	RUN(put("/tmp/r/a", "A"));
	EQ(rename("/tmp/r/a", "/tmp/r/sub/b"), 0);
	EQ(vds_stat("/tmp/r/a", &(struct vds_stat){ 0 }), -VDS_ENOENT);
	RUN(holds("/tmp/r/sub/b", "A"));
	RUN(put("/tmp/r/c", "C"));
	EQ(rename("/tmp/r/c", "/tmp/r/sub/b"), 0); /* replaces */
	RUN(holds("/tmp/r/sub/b", "C"));
	EQ(rename("/tmp/r", "/tmp/r/sub/r"), -VDS_EINVAL); /* into itself */
	EQ(rename("/tmp/r/sub/b", "/tmp/r"), -VDS_EISDIR);
	EQ(rename("/tmp/r/sub", "/tmp/r/sub/b"), -VDS_EINVAL);
	EQ(rename("/tmp/missing", "/tmp/x"), -VDS_ENOENT);
	EQ(rename("/tmp/r/sub", "/tmp/moved"), 0); /* a whole directory */
	RUN(holds("/tmp/moved/b", "C"));
	EQ(unlink("/tmp/moved/b"), 0);
	EQ(rmdir("/tmp/moved"), 0);
	EQ(rmdir("/tmp/r"), 0);
	return 0;
}

/* ".." and "." in paths, at the root too, and the server's own walk of
 * paths the runtime did not tidy. */
static int t_dotdot(void)
{
	EQ(mkdir("/tmp/dd", 0777), 0);
	RUN(put("/tmp/dd/f", "dot"));
	RUN(holds("/tmp/dd/../dd/./f", "dot"));
	RUN(holds("/../../tmp/dd/f", "dot"));
	EQ(chdir("/tmp/dd"), 0);
	RUN(holds("../dd/f", "dot"));
	EQ(chdir(".."), 0);
	CHECK(getcwd(buf, sizeof(buf)) != NULL && strcmp(buf, "/tmp") == 0);
	EQ(chdir("../../.."), 0);
	CHECK(getcwd(buf, sizeof(buf)) != NULL && strcmp(buf, "/") == 0);
	/* untidy paths straight to the server */
	uint64_t id;
	CHECK(VDS(name_get)(VDS_FS_NAME, &id) == 0);
	vds_rel_t b = VDS(shm_alloc)(64);
	char *p = VDS(rel_to_ptr)(b, 64);
	CHECK(p != NULL);
	strcpy(p, "//tmp/./dd/..//dd/f");
	struct vds_sqe req = { .op = VDS_FS_STAT, .arg = { b, strlen(p) + 1 } }, rep;
	EQ(VDS(call)((int)id, &req, &rep), 0);
	EQ(rep.arg[0], 0);
	EQ(rep.arg[2], 3);
	VDS(shm_free)(b);
	EQ(unlink("/tmp/dd/f"), 0);
	EQ(rmdir("/tmp/dd"), 0);
	return 0;
}

/* Programs from files: a copy of /bin/echo under another name runs; a file
 * that is not a program, a directory and a missing name are refused with
 * their errors. */
static int t_exec(void)
{
	int in = open("/bin/echo", O_RDONLY), out = open("/tmp/myecho", O_WRONLY | O_CREAT);
	CHECK(in >= 0 && out >= 0);
	for (ssize_t n; (n = read(in, buf, sizeof(buf))) > 0;)
		EQ(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
	out = open("/tmp/said", O_WRONLY | O_CREAT | O_TRUNC);
	EQ(run((char *[]){ "/tmp/myecho", "from", "a", "file", NULL }, (int[]){ 0, out, 2 }), 0);
	close(out);
	RUN(holds("/tmp/said", "from a file\n"));
	EQ(chdir("/tmp"), 0);
	out = open("said", O_WRONLY | O_TRUNC);
	EQ(run((char *[]){ "./myecho", "relative", NULL }, (int[]){ 0, out, 2 }), 0);
	close(out);
	RUN(holds("/tmp/said", "relative\n"));
	RUN(put("/tmp/notelf", "#!/bin/sh\necho no scripts as programs\n"));
	EQ(vds_spawnv((char *[]){ "/tmp/notelf", NULL }), -VDS_ENOEXEC);
	RUN(put("/tmp/empty", ""));
	EQ(vds_spawnv((char *[]){ "/tmp/empty", NULL }), -VDS_ENOEXEC);
	EQ(vds_spawnv((char *[]){ "/tmp", NULL }), -VDS_EISDIR);
	EQ(vds_spawnv((char *[]){ "/tmp/none", NULL }), -VDS_ENOENT);
	EQ(vds_spawnv((char *[]){ "nosuchprogram", NULL }), -VDS_ENOENT);
	/* a truncated ELF: the kernel checks every byte it is given */
	in = open("/bin/echo", O_RDONLY);
	out = open("/tmp/half", O_WRONLY | O_CREAT);
	EQ(read(in, buf, 3000), 3000);
	EQ(write(out, buf, 3000), 3000);
	close(in);
	close(out);
	EQ(vds_spawnv((char *[]){ "/tmp/half", NULL }), -VDS_ENOEXEC);
	return 0;
}

/* ---- pipes ---- */

/* gen N: N pattern bytes to standard output. */
static int gen(uint64_t n)
{
	for (uint64_t off = 0; off < n;) {
		size_t k = n - off < 30000 ? n - off : 30000;
		for (size_t i = 0; i < k; i++)
			buf[i] = (char)pattern(off + i);
		EQ(write(1, buf, k), k);
		off += k;
	}
	return 0;
}

/* check N: exactly N pattern bytes from fd, then end of file. */
static int check(int fd, uint64_t n)
{
	uint64_t off = 0;
	for (ssize_t k; (k = read(fd, buf, sizeof(buf))) > 0; off += (uint64_t)k)
		for (ssize_t i = 0; i < k; i++)
			if (off + (uint64_t)i >= n ||
			    (uint8_t)buf[i] != pattern(off + (uint64_t)i)) {
				fprintf(stderr, "fstest check: byte %llu differs\n",
				        (unsigned long long)(off + (uint64_t)i));
				return 1;
			}
	EQ(off, n);
	return 0;
}

/* eat N: read N bytes of standard input, then exit. */
static int eat(uint64_t n)
{
	for (uint64_t got = 0; got < n;) {
		ssize_t k = read(0, buf, n - got < sizeof(buf) ? n - got : sizeof(buf));
		CHECK(k > 0);
		got += (uint64_t)k;
	}
	return 0;
}

/* 1 MiB from a child through a pipe, compared byte for byte. */
static int t_pipe1m(void)
{
	int p[2];
	EQ(pipe(p), 0);
	char *argv[] = { "fstest", "gen", "1048576", NULL };
	int pid = vds_spawnfd(argv, (int[]){ 0, p[1], 2 }, 3);
	CHECK(pid > 0);
	EQ(close(p[1]), 0); /* the child's is now the only write end */
	RUN(check(p[0], 1 << 20));
	close(p[0]);
	struct vds_exit st;
	EQ(sys_wait(pid, &st), pid);
	EQ(st.code, 0);
	return 0;
}

/* gen | cat | check: three programs, two pipes. */
static int t_pipe3(void)
{
	int a[2], b[2];
	EQ(pipe(a), 0);
	EQ(pipe(b), 0);
	char *gen[] = { "fstest", "gen", "300000", NULL };
	char *cat[] = { "cat", NULL };
	char *chk[] = { "fstest", "check", "300000", NULL };
	int p1 = vds_spawnfd(gen, (int[]){ 0, a[1], 2 }, 3);
	int p2 = vds_spawnfd(cat, (int[]){ a[0], b[1], 2 }, 3);
	int p3 = vds_spawnfd(chk, (int[]){ b[0], 1, 2 }, 3);
	CHECK(p1 > 0 && p2 > 0 && p3 > 0);
	for (int i = 0; i < 2; i++)
		close(a[i]), close(b[i]);
	struct vds_exit st;
	int pids[3] = { p1, p2, p3 };
	for (int i = 0; i < 3; i++) {
		EQ(sys_wait(pids[i], &st), pids[i]);
		EQ(st.code, 0);
	}
	return 0;
}

/* End of file when the last writer goes: closed here, or a child's exit. */
static int t_pipeeof(void)
{
	int p[2];
	EQ(pipe(p), 0);
	EQ(write(p[1], "abc", 3), 3);
	int extra = dup(p[1]);
	CHECK(extra >= 0);
	EQ(close(p[1]), 0);
	EQ(read(p[0], buf, sizeof(buf)), 3);
	EQ(close(extra), 0);
	EQ(read(p[0], buf, sizeof(buf)), 0);
	close(p[0]);
	/* a child holds the only write end and exits without writing */
	EQ(pipe(p), 0);
	char *argv[] = { "fstest", "gen", "0", NULL };
	int pid = vds_spawnfd(argv, (int[]){ 0, p[1], 2 }, 3);
	CHECK(pid > 0);
	close(p[1]);
	EQ(read(p[0], buf, sizeof(buf)), 0); /* blocks until the child is gone */
	EQ(sys_wait(pid, NULL), pid);
	close(p[0]);
	/* the pipe buffers 64 KiB; a blocked writer goes on as it drains */
	EQ(pipe(p), 0);
	pid = vds_spawnfd((char *[]){ "fstest", "gen", "200000", NULL }, (int[]){ 0, p[1], 2 }, 3);
	close(p[1]);
	struct vds_stat vs = { 0 };
	for (int i = 0; i < 500 && vs.size < 64 * 1024; i++) {
		sys_sleep(10 * 1000 * 1000);
		EQ(vds_fstat(p[0], &vs), 0);
	}
	EQ(vs.type, VDS_T_PIPE);
	EQ(vs.size, 64 * 1024); /* full: the writer waits */
	RUN(check(p[0], 200000));
	EQ(sys_wait(pid, NULL), pid);
	close(p[0]);
	EQ(lseek(p[0], 0, SEEK_SET), -VDS_EBADF);
	EQ(pipe(p), 0);
	EQ(lseek(p[0], 0, SEEK_SET), -VDS_ESPIPE);
	close(p[0]);
	close(p[1]);
	return 0;
}

/* With no reader left, a write fails with -EPIPE, never hangs. */
static int t_pipebroken(void)
{
	int p[2];
	EQ(pipe(p), 0);
	EQ(close(p[0]), 0);
	EQ(write(p[1], "x", 1), -VDS_EPIPE);
	close(p[1]);
	/* a writer blocked on a full pipe learns when the reader exits */
	EQ(pipe(p), 0);
	char *argv[] = { "fstest", "eat", "1000", NULL }; /* reads a little, exits */
	int pid = vds_spawnfd(argv, (int[]){ p[0], 1, 2 }, 3);
	CHECK(pid > 0);
	close(p[0]);
	uint64_t sent = 0;
	ssize_t r;
	memset(buf, 'z', sizeof(buf));
	while ((r = write(p[1], buf, sizeof(buf))) > 0)
		sent += (uint64_t)r;
	EQ(r, -VDS_EPIPE);
	CHECK(sent >= 1000);
	struct vds_exit st;
	EQ(sys_wait(pid, &st), pid);
	EQ(st.code, 0);
	close(p[1]);
	return 0;
}

/* ---- the shell ---- */

static const char script[] = "# a script: pipes, redirection, ;, cd\n"
                             "rm -rf /tmp/sh; mkdir /tmp/sh\n"
                             "echo one two three > /tmp/sh/out\n"
                             "echo four >> /tmp/sh/out\n"
                             "cat /tmp/sh/out | wc -l\n"
                             "cd /tmp/sh; cat out | grep o | wc -w > count\n"
                             "cat < count\n"
                             "nosuchprogram\n"
                             "cat /tmp/sh/missing\n"
                             "echo 'quoted  text' \"and | this\"\n"
                             "ls /tmp/sh\n"
                             "cat out | head -n 1 | tee copy | wc -c\n"
                             "cat copy\n";

static const char expect[] = "      2\n"
                             "      4\n"
                             "sh: nosuchprogram: no such program\n"
                             "cat: /tmp/sh/missing: no such file, directory, name or program\n"
                             "quoted  text and | this\n"
                             "       8 count\n"
                             "      19 out\n"
                             "     14\n"
                             "one two three\n";

static int t_shell(void)
{
	EQ(mkdir("/tmp/t", 0777), 0);
	RUN(put("/tmp/t/script", script));
	/* sh FILE, output and errors to a file */
	int out = open("/tmp/t/result", O_WRONLY | O_CREAT | O_TRUNC);
	CHECK(out >= 0);
	EQ(run((char *[]){ "sh", "/tmp/t/script", NULL }, (int[]){ 0, out, out }), 0);
	close(out);
	RUN(holds("/tmp/t/result", expect));
	/* sh < FILE: the same script from standard input */
	int in = open("/tmp/t/script", O_RDONLY);
	out = open("/tmp/t/result2", O_WRONLY | O_CREAT | O_TRUNC);
	CHECK(in >= 0 && out >= 0);
	EQ(run((char *[]){ "sh", NULL }, (int[]){ in, out, out }), 0);
	close(in);
	close(out);
	RUN(holds("/tmp/t/result2", expect));
	/* sh -c, with its exit status */
	out = open("/tmp/t/result3", O_WRONLY | O_CREAT | O_TRUNC);
	EQ(run((char *[]){ "sh", "-c", "echo a b | wc -w; cat /nope", NULL },
	       (int[]){ 0, out, out }),
	   1);
	EQ(run((char *[]){ "sh", "-c", "exit 3", NULL }, (int[]){ 0, out, out }), 3);
	close(out);
	RUN(holds("/tmp/t/result3",
	          "      2\ncat: /nope: no such file, directory, name or program\n"));
	return 0;
}

/* ---- attacks ---- */

static int fs_id(void)
{
	uint64_t id;
	return VDS(name_get)(VDS_FS_NAME, &id) == 0 ? (int)id : -1;
}

/* One raw request: the reply's result, and the reply in *rep. */
static int64_t raw(uint16_t op, uint64_t a0, uint64_t a1, uint64_t a2, struct vds_sqe *rep)
{
	struct vds_sqe req = { .op = op, .arg = { a0, a1, a2 } }, r;
	int e = VDS(call)(fs_id(), &req, rep ? rep : &r);
	return e < 0 ? e : (int64_t)(rep ? rep : &r)->arg[0];
}

/* steal TOKEN: a grandchild of the granter may not redeem its grant. */
static int steal(uint64_t tok)
{
	EQ(raw(VDS_FS_REDEEM, tok, 0, 0, NULL), -VDS_ENOENT);
	return 0;
}

/* thief H TOKEN: every use of another process's handle H fails; a
 * grandchild cannot redeem the parent's grant TOKEN. */
static int thief(uint64_t h, const char *tok)
{
	EQ(run((char *[]){ "fstest", "steal", (char *)tok, NULL }, (int[]){ 0, 1, 2 }), 0);
	vds_rel_t b = VDS(shm_alloc)(4096);
	CHECK(b != VDS_REL_NULL);
	EQ(raw(VDS_FS_READ, h, b, 16, NULL), -VDS_EBADF);
	EQ(raw(VDS_FS_WRITE, h, b, 16, NULL), -VDS_EBADF);
	EQ(raw(VDS_FS_SEEK, h, 0, 0, NULL), -VDS_EBADF);
	EQ(raw(VDS_FS_FSTAT, h, 0, 0, NULL), -VDS_EBADF);
	EQ(raw(VDS_FS_DUP, h, 0, 0, NULL), -VDS_EBADF);
	EQ(raw(VDS_FS_GRANT, h, 0, 0, NULL), -VDS_EBADF);
	EQ(raw(VDS_FS_TRUNCATE, h, 0, 0, NULL), -VDS_EBADF);
	EQ(raw(VDS_FS_CLOSE, h, 0, 0, NULL), -VDS_EBADF);
	for (uint64_t g = 0; g < 64; g++) /* guessing does no better */
		CHECK(raw(VDS_FS_READ, g, b, 16, NULL) == -VDS_EBADF);
	VDS(shm_free)(b);
	return 0;
}

/* holder: open files and a pipe, then block writing to the full pipe
 * (the test kills us there). */
static int holder(void)
{
	RUN(put("/tmp/held", "held"));
	for (int i = 0; i < 5; i++)
		CHECK(open("/tmp/held", O_RDWR) >= 0);
	int p[2];
	EQ(pipe(p), 0);
	CHECK(dup(p[0]) >= 0);
	memset(buf, 'h', sizeof(buf));
	for (;;)
		write(p[1], buf, sizeof(buf));
}

/* Bad handles, other processes' handles, huge lengths, buffers outside
 * the arena, malformed paths, forged tokens: each refused with its error,
 * nothing leaks, and honest requests are served throughout. */
static int t_hostile(void)
{
	struct vds_fs_stats base;
	CHECK(stats(&base) == 0);
	RUN(put("/tmp/mine", "mine"));
	vds_rel_t b = VDS(shm_alloc)(4096);
	char *p = VDS(rel_to_ptr)(b, 4096);
	CHECK(p != NULL);
	strcpy(p, "/tmp/mine");
	int64_t h = raw(VDS_FS_OPEN, b, 10, VDS_O_READ | VDS_O_WRITE, NULL);
	CHECK(h >= 0);
	/* handles that are not ours */
	uint64_t bad[] = { (uint64_t)-1, 1u << 20, 1ull << 40, 999, (uint64_t)h + 1 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EQ(raw(VDS_FS_READ, bad[i], b, 16, NULL), -VDS_EBADF);
		EQ(raw(VDS_FS_CLOSE, bad[i], 0, 0, NULL), -VDS_EBADF);
	}
	char hs[24], ts[24];
	int64_t gt = raw(VDS_FS_GRANT, (uint64_t)h, 0, 0, NULL);
	CHECK(gt > 0);
	snprintf(hs, sizeof(hs), "%lld", (long long)h);
	snprintf(ts, sizeof(ts), "%llu", (unsigned long long)gt);
	EQ(run((char *[]){ "fstest", "thief", hs, ts, NULL }, (int[]){ 0, 1, 2 }), 0);
	int64_t hg = raw(VDS_FS_REDEEM, (uint64_t)gt, 0, 0, NULL); /* still ours to take */
	CHECK(hg >= 0);
	EQ(raw(VDS_FS_CLOSE, (uint64_t)hg, 0, 0, NULL), 0);
	/* a read that wants no reply is ignored: the offset stays */
	struct vds_sqe quiet = { .op = VDS_FS_READ,
		                 .flags = VDS_SQE_NOREPLY,
		                 .arg = { (uint64_t)h, b, 2 } };
	EQ(VDS(send)(fs_id(), &quiet), 0);
	/* lengths and buffers */
	EQ(raw(VDS_FS_READ, (uint64_t)h, b, 1ull << 40, NULL), -VDS_EINVAL);
	EQ(raw(VDS_FS_READ, (uint64_t)h, b, VDS_FS_IO_MAX + 1, NULL), -VDS_EINVAL);
	EQ(raw(VDS_FS_READ, (uint64_t)h, b, 8192, NULL), -VDS_EFAULT);    /* past the block */
	EQ(raw(VDS_FS_READ, (uint64_t)h, b + 64, 16, NULL), -VDS_EFAULT); /* not a block */
	EQ(raw(VDS_FS_READ, (uint64_t)h, 0, 16, NULL), -VDS_EFAULT);
	EQ(raw(VDS_FS_READ, (uint64_t)h, 64, 16, NULL), -VDS_EFAULT); /* kernel-owned data */
	EQ(raw(VDS_FS_READ, (uint64_t)h, 1ull << 62, 16, NULL), -VDS_EFAULT);
	EQ(raw(VDS_FS_WRITE, (uint64_t)h, 4096, 16, NULL), -VDS_EFAULT);
	/* paths */
	memset(p, 'a', 4096);
	EQ(raw(VDS_FS_OPEN, b, 100, VDS_O_READ, NULL), -VDS_EINVAL); /* no NUL */
	EQ(raw(VDS_FS_OPEN, b, 4096, VDS_O_READ, NULL), -VDS_ENAMETOOLONG);
	EQ(raw(VDS_FS_OPEN, b, 0, VDS_O_READ, NULL), -VDS_EINVAL);
	strcpy(p, "relative");
	EQ(raw(VDS_FS_OPEN, b, 9, VDS_O_READ, NULL), -VDS_EINVAL);
	strcpy(p, "/tmp/");
	memset(p + 5, 'n', 100);
	p[105] = '\0';
	EQ(raw(VDS_FS_OPEN, b, 106, VDS_O_READ | VDS_O_CREATE, NULL), -VDS_ENAMETOOLONG);
	strcpy(p, "/tmp/mine");
	EQ(raw(VDS_FS_OPEN, b, 10, 0x10000, NULL), -VDS_EINVAL); /* unknown flags */
	EQ(raw(VDS_FS_RENAME, b, 10, 0, NULL), -VDS_EINVAL);     /* one path */
	/* tokens, ops */
	EQ(raw(VDS_FS_REDEEM, 12345, 0, 0, NULL), -VDS_ENOENT);
	EQ(raw(VDS_FS_REDEEM, 0, 0, 0, NULL), -VDS_ENOENT);
	int64_t tok = raw(VDS_FS_GRANT, (uint64_t)h, 0, 0, NULL);
	CHECK(tok > 0);
	int64_t h2 = raw(VDS_FS_REDEEM, (uint64_t)tok, 0, 0, NULL);
	CHECK(h2 >= 0 && h2 != h);
	EQ(raw(VDS_FS_REDEEM, (uint64_t)tok, 0, 0, NULL), -VDS_ENOENT); /* once */
	EQ(raw(VDS_FS_CLOSE, (uint64_t)h2, 0, 0, NULL), 0);
	EQ(raw(VDS_FS_OP_END, 0, 0, 0, NULL), -VDS_ENOSYS);
	EQ(raw(VDS_OP_USER - 1, 0, 0, 0, NULL), -VDS_ENOSYS); /* the server's own tick */
	/* too many handles: refused, not a leak */
	int64_t got[80];
	int n = 0, last = 0;
	for (; n < 80; n++)
		if ((got[n] = raw(VDS_FS_DUP, (uint64_t)h, 0, 0, NULL)) < 0) {
			last = (int)got[n];
			break;
		}
	EQ(last, -VDS_EMFILE);
	EQ(raw(VDS_FS_PIPE, 0, 0, 0, NULL), -VDS_EMFILE);
	EQ(raw(VDS_FS_CLOSE, (uint64_t)got[--n], 0, 0, NULL), 0);
	EQ(raw(VDS_FS_PIPE, 0, 0, 0, NULL), -VDS_EMFILE); /* room for one end only */
	for (int i = 0; i < n; i++)
		EQ(raw(VDS_FS_CLOSE, (uint64_t)got[i], 0, 0, NULL), 0);
	/* after all that, our handle is intact and serves us */
	EQ(raw(VDS_FS_READ, (uint64_t)h, b, 16, NULL), 4);
	CHECK(memcmp(p, "mine", 4) == 0);
	EQ(raw(VDS_FS_CLOSE, (uint64_t)h, 0, 0, NULL), 0);
	VDS(shm_free)(b);
	EQ(unlink("/tmp/mine"), 0);
	return back_to(&base);
}

/* A client killed holding files open, with a write blocked in a pipe:
 * the server closes it all, and serves others meanwhile. */
static int t_dead(void)
{
	struct vds_fs_stats base, now;
	CHECK(stats(&base) == 0);
	int pid = vds_spawnfd((char *[]){ "fstest", "holder", NULL }, (int[]){ 0, 1, 2 }, 3);
	CHECK(pid > 0);
	for (int i = 0; i < 3000; i++) { /* wait until its write is parked */
		CHECK(stats(&now) == 0);
		if (now.pending == 1)
			break;
		sys_sleep(10 * 1000 * 1000);
	}
	EQ(now.pending, 1);
	CHECK(now.handles >= base.handles + 8);
	RUN(holds("/tmp/held", "held")); /* served meanwhile */
	EQ(sys_kill(pid), 0);
	EQ(sys_wait(pid, NULL), pid);
	EQ(unlink("/tmp/held"), 0);
	return back_to(&base);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(void);
	} modes[] = {
		{ "create", t_create },   { "big", t_big },
		{ "many", t_many },       { "unlinkopen", t_unlinkopen },
		{ "dirs", t_dirs },       { "rename", t_rename },
		{ "dotdot", t_dotdot },   { "exec", t_exec },
		{ "pipe1m", t_pipe1m },   { "pipe3", t_pipe3 },
		{ "pipeeof", t_pipeeof }, { "pipebroken", t_pipebroken },
		{ "shell", t_shell },     { "hostile", t_hostile },
		{ "dead", t_dead },
	};
	if (argc < 2)
		return 2;
	mode = argv[1];
	if (strcmp(mode, "gen") == 0 && argc > 2)
		return gen(strtoull(argv[2], NULL, 10));
	if (strcmp(mode, "check") == 0 && argc > 2)
		return check(0, strtoull(argv[2], NULL, 10));
	if (strcmp(mode, "eat") == 0 && argc > 2)
		return eat(strtoull(argv[2], NULL, 10));
	if (strcmp(mode, "thief") == 0 && argc > 3)
		return thief(strtoull(argv[2], NULL, 10), argv[3]);
	if (strcmp(mode, "steal") == 0 && argc > 2)
		return steal(strtoull(argv[2], NULL, 10));
	if (strcmp(mode, "holder") == 0)
		return holder();
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(mode, modes[i].name) == 0) {
			if (fs_id() < 0) {
				fprintf(stderr, "fstest: no file server\n");
				return 1;
			}
			return modes[i].fn();
		}
	fprintf(stderr, "fstest: no mode %s\n", mode);
	return 2;
}
