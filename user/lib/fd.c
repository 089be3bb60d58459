/*
 * Descriptors (include/vdsos/files.h, docs/FILES.md). Each process keeps
 * its own table: a descriptor is the console, or a handle at the file
 * server. Requests to the server are SQEs; anything longer than a few
 * words (paths, data, directory entries) goes through a shared-allocator
 * block taken for the request, passed by relative pointer.
 *
 * A child inherits descriptors through its environment: before spawning,
 * the parent asks the server for a one-time grant of each handle and
 * passes "VDS_FDS=1:c,3:g<token>,..."; the child's start-up redeems them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vdsos/files.h>
#include <vdsos/sys.h>
#include "ulib.h"

struct fdent {
	int kind;   /* VDS_FD_* */
	int handle; /* at the server, for VDS_FD_FS */
	int srv;    /* that server's queue: a restarted one knows no handles */
};

static struct fdent fds[VDS_FD_MAX];
static char cwd[VDS_PATH_MAX] = "/";
static int fs_id = -1; /* the server's queue, found by name */
char **environ;

static int fail(int r)
{
	errno = -r;
	return r;
}

static int server(void)
{
	uint64_t id;
	if (fs_id < 0 && VDS(name_get)(VDS_FS_NAME, &id) == 0)
		fs_id = (int)id;
	return fs_id;
}

/*
 * A shared buffer of n bytes (at most VDS_FS_IO_MAX) for one request,
 * freed when it is answered. Shared blocks belong to no process, so one
 * held for life would be lost when a process is killed; one per request
 * costs two lock-free operations and loses at most the one in flight.
 */
static vds_rel_t buf_get(size_t n)
{
	return VDS(shm_alloc)(n ? n : 1);
}

static void buf_put(vds_rel_t b)
{
	VDS(shm_free)(b);
}

static void *buf_ptr(vds_rel_t b)
{
	return VDS(rel_to_ptr)(b, VDS(shm_size)(b));
}

/* One request to the server: the result, and the whole reply in *rep. */
static int64_t fs_call(uint16_t op, uint64_t a0, uint64_t a1, uint64_t a2, struct vds_sqe *rep)
{
	if (server() < 0)
		return -VDS_ENOQUEUE;
	struct vds_sqe req = { .op = op, .arg = { a0, a1, a2 } }, r;
	int e = VDS(call)(fs_id, &req, rep ? rep : &r);
	if (e < 0) {
		if (e == -VDS_EDEAD || e == -VDS_ENOQUEUE)
			fs_id = -1; /* a new server may come */
		return e;
	}
	return (int64_t)(rep ? rep : &r)->arg[0];
}

/* A request whose first argument is a path, in a shared buffer. */
static int64_t path_call(uint16_t op, const char *path, uint64_t a2, struct vds_sqe *rep)
{
	char abs[VDS_PATH_MAX];
	int r = vds_abspath(path, abs);
	if (r < 0)
		return r;
	size_t n = strlen(abs) + 1;
	vds_rel_t b = buf_get(n);
	if (b == VDS_REL_NULL)
		return -VDS_ENOMEM;
	memcpy(buf_ptr(b), abs, n);
	int64_t res = fs_call(op, b, n, a2, rep);
	buf_put(b);
	return res;
}

/* ---- paths ---- */

int vds_abspath(const char *path, char *out)
{
	char tmp[2 * VDS_PATH_MAX];
	if (path == NULL || *path == '\0')
		return -VDS_ENOENT;
	if (strlen(path) >= VDS_PATH_MAX)
		return -VDS_ENAMETOOLONG;
	if (path[0] == '/')
		strcpy(tmp, path);
	else
		snprintf(tmp, sizeof(tmp), "%s/%s", cwd, path);
	/* Walk the names: skip "." and empty ones, ".." drops the last kept. */
	size_t len = 0;
	for (char *p = tmp; *p;) {
		while (*p == '/')
			p++;
		char *name = p;
		while (*p && *p != '/')
			p++;
		size_t n = (size_t)(p - name);
		if (n == 0 || (n == 1 && name[0] == '.'))
			continue;
		if (n == 2 && name[0] == '.' && name[1] == '.') {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--; /* the slash before it */
			continue;
		}
		if (len + 1 + n >= VDS_PATH_MAX)
			return -VDS_ENAMETOOLONG;
		out[len++] = '/';
		memcpy(out + len, name, n);
		len += n;
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	return 0;
}

/* ---- the descriptor table ---- */

static int fd_alloc(int from)
{
	for (int fd = from; fd < VDS_FD_MAX; fd++)
		if (fds[fd].kind == VDS_FD_FREE)
			return fd;
	return -VDS_EMFILE;
}

/* A descriptor for handle h at the server we talk to now. */
static struct fdent fs_ent(int64_t h)
{
	return (struct fdent){ VDS_FD_FS, (int)h, fs_id };
}

/* fd's entry, or NULL if fd is not open (or names a handle at a server
 * that has since ended). */
static struct fdent *fd_get(int fd)
{
	if (fd < 0 || fd >= VDS_FD_MAX || fds[fd].kind == VDS_FD_FREE)
		return NULL;
	if (fds[fd].kind == VDS_FD_FS && fds[fd].srv != server())
		return NULL;
	return &fds[fd];
}

int vds_fdkind(int fd)
{
	struct fdent *f = fd_get(fd);
	return f ? f->kind : VDS_FD_FREE;
}

static int fs_flags(int flags)
{
	int acc = flags & O_ACCMODE, f = 0;
	if (acc == O_RDONLY || acc == O_RDWR)
		f |= VDS_O_READ;
	if (acc == O_WRONLY || acc == O_RDWR)
		f |= VDS_O_WRITE;
	if (flags & O_CREAT)
		f |= VDS_O_CREATE;
	if (flags & O_EXCL)
		f |= VDS_O_EXCL;
	if (flags & O_TRUNC)
		f |= VDS_O_TRUNC;
	if (flags & O_APPEND)
		f |= VDS_O_APPEND;
	if (flags & O_DIRECTORY)
		f |= VDS_O_DIR;
	return f;
}

int open(const char *path, int flags, ...)
{
	int fd = fd_alloc(0);
	if (fd < 0)
		return fail(fd);
	int64_t h = path_call(VDS_FS_OPEN, path, (uint64_t)fs_flags(flags), NULL);
	if (h < 0)
		return fail((int)h);
	fds[fd] = fs_ent(h);
	return fd;
}

int close(int fd)
{
	struct fdent *f = fd_get(fd);
	if (f == NULL) {
		if (fd >= 0 && fd < VDS_FD_MAX && fds[fd].kind == VDS_FD_FS)
			fds[fd].kind = VDS_FD_FREE; /* its server ended: nothing to tell */
		return fail(-VDS_EBADF);
	}
	struct fdent old = *f;
	f->kind = VDS_FD_FREE;
	if (old.kind == VDS_FD_FS) {
		int64_t r = fs_call(VDS_FS_CLOSE, (uint64_t)old.handle, 0, 0, NULL);
		if (r < 0)
			return fail((int)r);
	}
	return 0;
}

ssize_t read(int fd, void *buf, size_t n)
{
	struct fdent *f = fd_get(fd);
	if (f == NULL)
		return fail(-VDS_EBADF);
	if (n == 0)
		return 0;
	if (f->kind == VDS_FD_CONS) {
		long r = sys_read(buf, n);
		return r < 0 ? fail((int)r) : r;
	}
	size_t want = n < VDS_FS_IO_MAX ? n : VDS_FS_IO_MAX;
	vds_rel_t b = buf_get(want);
	if (b == VDS_REL_NULL)
		return fail(-VDS_ENOMEM);
	int64_t r = fs_call(VDS_FS_READ, (uint64_t)f->handle, b, want, NULL);
	if (r > (int64_t)want)
		r = -VDS_EBADMSG; /* a server that claims more than asked */
	if (r > 0)
		memcpy(buf, buf_ptr(b), (size_t)r);
	buf_put(b);
	return r < 0 ? fail((int)r) : (ssize_t)r;
}

ssize_t write(int fd, const void *buf, size_t n)
{
	struct fdent *f = fd_get(fd);
	if (f == NULL)
		return fail(-VDS_EBADF);
	if (f->kind == VDS_FD_CONS) {
		long r = sys_write(buf, n);
		return r < 0 ? fail((int)r) : r;
	}
	vds_rel_t b = buf_get(n < VDS_FS_IO_MAX ? n : VDS_FS_IO_MAX);
	if (b == VDS_REL_NULL)
		return fail(-VDS_ENOMEM);
	size_t done = 0;
	int64_t r = 0;
	while (done < n) {
		size_t chunk = n - done < VDS_FS_IO_MAX ? n - done : VDS_FS_IO_MAX;
		memcpy(buf_ptr(b), (const char *)buf + done, chunk);
		r = fs_call(VDS_FS_WRITE, (uint64_t)f->handle, b, chunk, NULL);
		if (r <= 0 || r > (int64_t)chunk)
			break;
		done += (size_t)r;
	}
	buf_put(b);
	if (done > 0)
		return (ssize_t)done;
	return r < 0 ? fail((int)r) : 0;
}

off_t lseek(int fd, off_t off, int whence)
{
	struct fdent *f = fd_get(fd);
	if (f == NULL)
		return fail(-VDS_EBADF);
	if (f->kind == VDS_FD_CONS)
		return fail(-VDS_ESPIPE);
	int64_t r =
	    fs_call(VDS_FS_SEEK, (uint64_t)f->handle, (uint64_t)off, (uint64_t)whence, NULL);
	return r < 0 ? fail((int)r) : (off_t)r;
}

int ftruncate(int fd, off_t len)
{
	struct fdent *f = fd_get(fd);
	if (f == NULL || f->kind != VDS_FD_FS)
		return fail(f ? -VDS_EINVAL : -VDS_EBADF);
	int64_t r = fs_call(VDS_FS_TRUNCATE, (uint64_t)f->handle, (uint64_t)len, 0, NULL);
	return r < 0 ? fail((int)r) : 0;
}

/* A second entry for what f is, in *out (a new handle at the server). */
static int dup_ent(const struct fdent *f, struct fdent *out)
{
	*out = *f;
	if (f->kind == VDS_FD_FS) {
		int64_t h = fs_call(VDS_FS_DUP, (uint64_t)f->handle, 0, 0, NULL);
		if (h < 0)
			return (int)h;
		out->handle = (int)h;
	}
	return 0;
}

int dup(int fd)
{
	struct fdent *f = fd_get(fd), e;
	if (f == NULL)
		return fail(-VDS_EBADF);
	int nfd = fd_alloc(0), r = nfd < 0 ? nfd : dup_ent(f, &e);
	if (r < 0)
		return fail(r);
	fds[nfd] = e;
	return nfd;
}

int dup2(int fd, int newfd)
{
	struct fdent *f = fd_get(fd);
	if (f == NULL || newfd < 0 || newfd >= VDS_FD_MAX)
		return fail(-VDS_EBADF);
	if (fd == newfd)
		return newfd;
	struct fdent e;
	int r = dup_ent(f, &e); /* first: on failure newfd stays as it was */
	if (r < 0)
		return fail(r);
	if (fds[newfd].kind != VDS_FD_FREE)
		close(newfd);
	fds[newfd] = e;
	return newfd;
}

int pipe(int p[2])
{
	int r = fd_alloc(0), w = r < 0 ? r : fd_alloc(r + 1);
	if (w < 0)
		return fail(w);
	struct vds_sqe rep;
	int64_t e = fs_call(VDS_FS_PIPE, 0, 0, 0, &rep);
	if (e < 0)
		return fail((int)e);
	fds[r] = fs_ent((int64_t)rep.arg[1]);
	fds[w] = fs_ent((int64_t)rep.arg[2]);
	p[0] = r;
	p[1] = w;
	return 0;
}

int isatty(int fd)
{
	return vds_fdkind(fd) == VDS_FD_CONS;
}

/* ---- names ---- */

static void stat_from(const struct vds_sqe *rep, struct vds_stat *st)
{
	st->type = rep->arg[1];
	st->size = rep->arg[2];
	st->inode = rep->arg[3];
}

int vds_stat(const char *path, struct vds_stat *st)
{
	struct vds_sqe rep;
	int64_t r = path_call(VDS_FS_STAT, path, 0, &rep);
	if (r < 0)
		return fail((int)r);
	stat_from(&rep, st);
	return 0;
}

int vds_fstat(int fd, struct vds_stat *st)
{
	struct fdent *f = fd_get(fd);
	if (f == NULL)
		return fail(-VDS_EBADF);
	if (f->kind == VDS_FD_CONS) {
		*st = (struct vds_stat){ .type = VDS_T_CONS };
		return 0;
	}
	struct vds_sqe rep;
	int64_t r = fs_call(VDS_FS_FSTAT, (uint64_t)f->handle, 0, 0, &rep);
	if (r < 0)
		return fail((int)r);
	stat_from(&rep, st);
	return 0;
}

static void posix_stat(const struct vds_stat *v, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = (ino_t)v->inode;
	st->st_size = (off_t)v->size;
	st->st_nlink = 1;
	st->st_mode = v->type == VDS_T_DIR    ? S_IFDIR | 0755
	              : v->type == VDS_T_PIPE ? S_IFIFO | 0600
	              : v->type == VDS_T_CONS ? S_IFCHR | 0600
	                                      : S_IFREG | 0644;
}

int stat(const char *path, struct stat *st)
{
	struct vds_stat v = { 0 };
	int r = vds_stat(path, &v);
	if (r == 0)
		posix_stat(&v, st);
	return r;
}

int fstat(int fd, struct stat *st)
{
	struct vds_stat v = { 0 };
	int r = vds_fstat(fd, &v);
	if (r == 0)
		posix_stat(&v, st);
	return r;
}

int mkdir(const char *path, mode_t mode)
{
	(void)mode; /* no permissions: every file is every process's */
	int64_t r = path_call(VDS_FS_MKDIR, path, 0, NULL);
	return r < 0 ? fail((int)r) : 0;
}

int unlink(const char *path)
{
	struct vds_stat st = { 0 };
	if (vds_stat(path, &st) == 0 && st.type == VDS_T_DIR)
		return fail(-VDS_EISDIR);
	int64_t r = path_call(VDS_FS_UNLINK, path, 0, NULL);
	return r < 0 ? fail((int)r) : 0;
}

int rmdir(const char *path)
{
	struct vds_stat st = { 0 };
	int r = vds_stat(path, &st);
	if (r < 0)
		return r;
	if (st.type != VDS_T_DIR)
		return fail(-VDS_ENOTDIR);
	int64_t e = path_call(VDS_FS_UNLINK, path, 0, NULL);
	return e < 0 ? fail((int)e) : 0;
}

int rename(const char *from, const char *to)
{
	char a[VDS_PATH_MAX], b[VDS_PATH_MAX];
	int r = vds_abspath(from, a);
	if (r == 0)
		r = vds_abspath(to, b);
	if (r < 0)
		return fail(r);
	size_t na = strlen(a) + 1, nb = strlen(b) + 1;
	vds_rel_t buf = buf_get(na + nb);
	if (buf == VDS_REL_NULL)
		return fail(-VDS_ENOMEM);
	memcpy(buf_ptr(buf), a, na);
	memcpy((char *)buf_ptr(buf) + na, b, nb);
	int64_t e = fs_call(VDS_FS_RENAME, buf, na + nb, 0, NULL);
	buf_put(buf);
	return e < 0 ? fail((int)e) : 0;
}

int chdir(const char *path)
{
	char abs[VDS_PATH_MAX];
	struct vds_stat st = { 0 };
	int r = vds_abspath(path, abs);
	if (r == 0)
		r = vds_stat(abs, &st);
	if (r < 0)
		return fail(r);
	if (st.type != VDS_T_DIR)
		return fail(-VDS_ENOTDIR);
	strcpy(cwd, abs);
	return 0;
}

char *getcwd(char *buf, size_t size)
{
	if (buf == NULL || strlen(cwd) >= size) {
		errno = VDS_ERANGE;
		return NULL;
	}
	return strcpy(buf, cwd);
}

int vds_readdir(int fd, struct vds_dirent *out, int max)
{
	struct fdent *f = fd_get(fd);
	if (f == NULL || f->kind != VDS_FD_FS || max <= 0)
		return fail(f ? -VDS_ENOTDIR : -VDS_EBADF);
	size_t want = (size_t)max * sizeof(struct vds_dirent);
	if (want > VDS_FS_IO_MAX)
		want = VDS_FS_IO_MAX - VDS_FS_IO_MAX % sizeof(struct vds_dirent);
	vds_rel_t b = buf_get(want);
	if (b == VDS_REL_NULL)
		return fail(-VDS_ENOMEM);
	int64_t r = fs_call(VDS_FS_READDIR, (uint64_t)f->handle, b, want, NULL);
	if (r > (int64_t)want)
		r = -VDS_EBADMSG;
	if (r > 0)
		memcpy(out, buf_ptr(b), (size_t)r);
	buf_put(b);
	if (r < 0)
		return fail((int)r);
	for (int i = 0; i < (int)(r / (int64_t)sizeof(struct vds_dirent)); i++)
		out[i].name[sizeof(out[i].name) - 1] = '\0'; /* whatever the server sent */
	return (int)(r / (int64_t)sizeof(struct vds_dirent));
}

int vds_listdir(const char *path, struct vds_dirent **out)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd;
	struct vds_dirent *ents = NULL;
	int n = 0, cap = 0, r;
	do {
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			struct vds_dirent *more = realloc(ents, (size_t)cap * sizeof(*ents));
			if (more == NULL) {
				r = -VDS_ENOMEM;
				break;
			}
			ents = more;
		}
		r = vds_readdir(fd, ents + n, cap - n);
		if (r > 0)
			n += r;
	} while (r > 0);
	close(fd);
	if (r < 0) {
		free(ents);
		return r;
	}
	*out = ents;
	return n;
}

int vds_fs_stats(struct vds_fs_stats *out)
{
	struct vds_sqe rep;
	int64_t r = fs_call(VDS_FS_STATS, 0, 0, 0, &rep);
	if (r < 0)
		return fail((int)r);
	*out = (struct vds_fs_stats){ rep.arg[1], rep.arg[2], rep.arg[3], rep.arg[4] };
	return 0;
}

/* ---- inheritance ---- */

#define FDS_VAR "VDS_FDS="
#define PWD_VAR "PWD="

/* "VDS_FDS=0:c,1:g123,..." for the descriptors a child inherits: its fd
 * c is our map[c] (or c without a map). */
static int fds_var(char *out, size_t size, const int *map, int n)
{
	size_t len = (size_t)snprintf(out, size, "%s", FDS_VAR);
	for (int fd = 0; fd < n && fd < VDS_FD_MAX; fd++) {
		char one[40];
		struct fdent *f = fd_get(map ? map[fd] : fd);
		if (f == NULL) {
			continue;
		} else if (f->kind == VDS_FD_CONS) {
			snprintf(one, sizeof(one), "%d:c,", fd);
		} else {
			int64_t tok = fs_call(VDS_FS_GRANT, (uint64_t)f->handle, 0, 0, NULL);
			if (tok == -VDS_ENOQUEUE || tok == -VDS_EDEAD || tok == -VDS_EBADF)
				continue; /* its server is gone: as if closed */
			if (tok < 0)
				return (int)tok;
			snprintf(one, sizeof(one), "%d:g%llu,", fd, (unsigned long long)tok);
		}
		if (len + strlen(one) >= size)
			return -VDS_E2BIG;
		strcpy(out + len, one);
		len += strlen(one);
	}
	return 0;
}

/* Take back the grants in a VDS_FDS variable that no child will redeem:
 * the granter may redeem its own, then closes what it got. */
static void ungrant(const char *var)
{
	for (const char *p = strchr(var, 'g'); p; p = strchr(p, 'g')) {
		char *end;
		unsigned long long tok = strtoull(p + 1, &end, 10);
		int64_t h = fs_call(VDS_FS_REDEEM, tok, 0, 0, NULL);
		if (h >= 0)
			fs_call(VDS_FS_CLOSE, (uint64_t)h, 0, 0, NULL);
		p = end;
	}
}

/* Read the whole file at path into memory (for spawning it): 0 and the
 * image in *img, or the error. */
static int slurp(const char *path, void **img, size_t *size)
{
	struct vds_stat st = { 0 };
	int r = vds_stat(path, &st);
	if (r < 0)
		return r;
	if (st.type == VDS_T_DIR)
		return -VDS_EISDIR;
	if (st.type != VDS_T_FILE || st.size == 0)
		return -VDS_ENOEXEC;
	if (st.size > VDS_SPAWN_IMAGEMAX)
		return -VDS_EFBIG;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return fd;
	char *buf = malloc(st.size);
	size_t got = 0;
	while (buf && got < st.size) {
		ssize_t n = read(fd, buf + got, st.size - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (buf == NULL)
		return -VDS_ENOMEM;
	if (got != st.size) {
		free(buf);
		return -VDS_EIO;
	}
	*img = buf;
	*size = got;
	return 0;
}

int vds_spawnv(char *const argv[])
{
	return vds_spawnfd(argv, NULL, VDS_FD_MAX);
}

int vds_spawnfd(char *const argv[], const int *map, int n)
{
	static char fdvar[VDS_SPAWN_ENVLEN], pwdvar[VDS_SPAWN_ENVLEN];
	char *envp[VDS_SPAWN_ENVS + 1];
	int argc = 0, envc = 0;
	while (argv[argc])
		argc++;
	if (argc == 0)
		return -VDS_EINVAL;
	int r = fds_var(fdvar, sizeof(fdvar), map, n);
	if (r < 0) {
		ungrant(fdvar + strlen(FDS_VAR)); /* the ones made before the failure */
		return r;
	}
	snprintf(pwdvar, sizeof(pwdvar), "%s%s", PWD_VAR, cwd);
	envp[envc++] = fdvar;
	envp[envc++] = pwdvar;
	for (char **e = environ; e && *e && envc < VDS_SPAWN_ENVS; e++)
		if (strncmp(*e, FDS_VAR, strlen(FDS_VAR)) != 0 &&
		    strncmp(*e, PWD_VAR, strlen(PWD_VAR)) != 0)
			envp[envc++] = *e;
	envp[envc] = NULL;
	/* The program: a path, or a bare name in /bin; else the initrd's. */
	char path[VDS_PATH_MAX];
	if (strchr(argv[0], '/'))
		snprintf(path, sizeof(path), "%s", argv[0]);
	else
		snprintf(path, sizeof(path), "/bin/%s", argv[0]);
	size_t size = 0;
	void *img = NULL;
	r = server() >= 0 ? slurp(path, &img, &size) : -VDS_ENOENT;
	if (r < 0 && (strchr(argv[0], '/') || r != -VDS_ENOENT)) {
		ungrant(fdvar + strlen(FDS_VAR));
		return r; /* a bare name missing from /bin: the initrd's, if any */
	}
	struct vds_spawn s = { .argv = argv,
		               .envp = envp,
		               .image = img,
		               .image_size = size,
		               .argc = argc,
		               .envc = envc };
	r = sys_spawnx(&s);
	free(img);
	if (r < 0)
		ungrant(fdvar + strlen(FDS_VAR));
	return r;
}

/* At exit: the server learns at once that our pipe ends are closed. */
void fd_close_all(void)
{
	for (int fd = 0; fd < VDS_FD_MAX; fd++)
		if (fds[fd].kind == VDS_FD_FS)
			close(fd);
}

/* Start-up: the environment, then the descriptors the parent passed (or
 * the console on 0, 1 and 2) and the working directory. */
void fd_init(int argc, char **argv)
{
	environ = argv + argc + 1;
	const char *var = NULL;
	for (char **e = environ; *e; e++) {
		if (strncmp(*e, FDS_VAR, strlen(FDS_VAR)) == 0)
			var = *e + strlen(FDS_VAR);
		else if (strncmp(*e, PWD_VAR, strlen(PWD_VAR)) == 0 &&
		         (*e)[strlen(PWD_VAR)] == '/' &&
		         strlen(*e) - strlen(PWD_VAR) < VDS_PATH_MAX)
			strcpy(cwd, *e + strlen(PWD_VAR));
	}
	if (var == NULL) {
		for (int fd = 0; fd < 3; fd++)
			fds[fd].kind = VDS_FD_CONS;
		return;
	}
	while (*var) {
		char *end;
		long fd = strtol(var, &end, 10);
		if (end == var || *end != ':' || fd < 0 || fd >= VDS_FD_MAX)
			break;
		if (end[1] == 'c') {
			fds[fd].kind = VDS_FD_CONS;
			end += 2;
		} else if (end[1] == 'g') {
			unsigned long long tok = strtoull(end + 2, &end, 10);
			int64_t h = fs_call(VDS_FS_REDEEM, tok, 0, 0, NULL);
			if (h >= 0)
				fds[fd] = fs_ent(h);
		} else {
			break;
		}
		var = *end == ',' ? end + 1 : end;
	}
}
