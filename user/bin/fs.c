/*
 * fs: the file server (include/vdsos/fs.h, docs/FILES.md). One user
 * process, registered under the name "fs", holding a hierarchical file
 * system in its own memory: directories, regular files, and pipes. Every
 * request is one SQE; the answer is one reply. A request that must wait (a
 * read from an empty pipe, a write to a full one) is parked: the server
 * keeps a copy of the SQE and replies to it later, so it never blocks on
 * one client while others wait.
 *
 * Who asks is the SQE's sender, which the page tables vouch for (the
 * outbox it came from). Handles belong to the process that opened them:
 * another process's handle number is just -VDS_EBADF. A grant token moves
 * an open file to another process (a spawned child) once.
 *
 * Nothing here trusts a client: paths are copied out of shared memory
 * before they are looked at, buffers must be whole shared-allocator blocks
 * big enough for the request, and every count is bounded. A client that
 * dies is noticed by a sweep (a ticker coroutine wakes the server every
 * SWEEP_MS): its handles are closed and its parked requests dropped.
 *
 * Files live in RAM: they are lost when the machine stops, or when this
 * server does (init restarts it, empty but for what it seeds).
 */
#include <vdsos.h>

#define MAXHANDLES    1024                         /* handles over all clients */
#define CLIENT_MAX    64                           /* handles one client may hold */
#define CLIENT_GRANTS 32                           /* grants one client may have outstanding */
#define CLIENT_PARKED 32                           /* pipe requests one client may have waiting */
#define MAXGRANTS     256                          /* grant tokens not yet redeemed */
#define MAXPARKED     256                          /* pipe reads and writes waiting */
#define MAXPROCS      64                           /* processes sys_ps reports at most */
#define PIPE_SIZE     (64 * 1024)                  /* bytes a pipe buffers */
#define PIPE_ATOMIC   512                          /* writes this small are never split */
#define FILE_MAX      (64UL << 20)                 /* bytes in one file */
#define GRANT_NS      (30ULL * 1000 * 1000 * 1000) /* a grant lapses after 30 s */
#define SWEEP_MS      40
#define OP_TICK       (VDS_OP_USER - 1) /* from the ticker to ourselves */
#define WAIT          (-1000)           /* pipe_io: the request must wait */

struct pipe {
	char *buf; /* PIPE_SIZE bytes, a ring */
	size_t head, len;
	int readers, writers; /* open file descriptions of each end */
};

struct node {
	int type; /* VDS_T_FILE, VDS_T_DIR or VDS_T_PIPE */
	uint64_t inode;
	char name[sizeof(((struct vds_dirent *)0)->name)];
	struct node *parent;       /* the directory holding it (root: itself) */
	struct node *child, *next; /* a directory's entries; the next sibling */
	uint64_t nchild;
	char *data; /* a file's bytes */
	size_t size, cap;
	struct pipe *pipe;
	int opens;  /* open file descriptions on it */
	int linked; /* still in the tree (unlinked files live until closed) */
};

/* An open file description: what handles (and grants) share. */
struct ofile {
	struct node *node;
	uint64_t off; /* a file's offset; a directory's next entry */
	int mode;     /* VDS_O_READ, VDS_O_WRITE, VDS_O_APPEND */
	int refs;     /* handles and grants naming it */
};

struct handle {
	int pid; /* the client it belongs to; 0: free */
	struct ofile *of;
};

struct grant {
	uint64_t token; /* 0: free */
	uint64_t expires;
	struct ofile *of;
	int granter; /* who asked: it and its children may redeem */
};

/* A pipe read or write that waits, in arrival order. */
struct park {
	struct park *next;
	struct vds_sqe req;
	struct ofile *of;
};

static struct node *root;
static struct handle handles[MAXHANDLES];
static struct grant grants[MAXGRANTS];
static struct park *parked;
static struct vds_fs_stats count; /* handles, files, pending, nodes */
static uint64_t next_inode = 1, token_key[2];
static int self;

/* ---- nodes ---- */

/* Put n at the end of dir's entries: a listing shows creation order. */
static void dir_link(struct node *dir, struct node *n)
{
	struct node **pp = &dir->child;
	while (*pp)
		pp = &(*pp)->next;
	*pp = n;
	n->next = NULL;
	n->parent = dir;
	dir->nchild++;
	n->linked = 1;
}

static struct node *node_new(int type, struct node *dir, const char *name)
{
	struct node *n = calloc(1, sizeof(*n));
	if (n == NULL)
		return NULL;
	n->type = type;
	n->inode = next_inode++;
	strcpy(n->name, name);
	if (dir)
		dir_link(dir, n);
	count.nodes++;
	return n;
}

/* Free n if nothing names it any more. */
static void node_release(struct node *n)
{
	if (n->linked || n->opens > 0)
		return;
	if (n->pipe)
		free(n->pipe->buf);
	free(n->pipe);
	free(n->data);
	free(n);
	count.nodes--;
}

static void node_unlink(struct node *n)
{
	struct node **pp = &n->parent->child;
	while (*pp != n)
		pp = &(*pp)->next;
	*pp = n->next;
	n->parent->nchild--;
	n->linked = 0;
	node_release(n);
}

static struct node *dir_find(struct node *dir, const char *name)
{
	for (struct node *c = dir->child; c; c = c->next)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/*
 * Walk path (absolute; "." and ".." allowed) from the root. With last
 * non-NULL, stop before the last name: *out is its directory and the name
 * goes to last (which must not be "." or ".."). Returns 0 or the error.
 */
static int walk(const char *path, struct node **out, char *last)
{
	if (path[0] != '/')
		return -VDS_EINVAL;
	struct node *n = root;
	const char *p = path;
	for (;;) {
		while (*p == '/')
			p++;
		size_t len = strcspn(p, "/");
		if (len == 0)
			break;
		if (len >= sizeof(root->name))
			return -VDS_ENAMETOOLONG;
		if (n->type != VDS_T_DIR)
			return -VDS_ENOTDIR;
		char name[sizeof(root->name)];
		memcpy(name, p, len);
		name[len] = '\0';
		p += len;
		int final = p[strspn(p, "/")] == '\0';
		if (final && last) {
			if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
				return -VDS_EINVAL;
			strcpy(last, name);
			*out = n;
			return 0;
		}
		if (strcmp(name, "..") == 0)
			n = n->parent;
		else if (strcmp(name, ".") != 0 && (n = dir_find(n, name)) == NULL)
			return -VDS_ENOENT;
	}
	if (last)
		return -VDS_EINVAL; /* "/": no last name */
	*out = n;
	return 0;
}

/* The directory and last name of path, the directory checked. */
static int walk_parent(const char *path, struct node **dir, char *last)
{
	int r = walk(path, dir, last);
	if (r == 0 && (*dir)->type != VDS_T_DIR)
		r = -VDS_ENOTDIR;
	return r;
}

/* ---- client memory ---- */

/* The client's buffer [rel, rel+len): a whole shared-allocator block big
 * enough, or NULL (never our memory, never another process's outbox). */
static char *client_buf(uint64_t rel, uint64_t len)
{
	if (len > VDS_FS_IO_MAX || VDS(shm_size)(rel) < len)
		return NULL;
	return VDS(rel_to_ptr)(rel, len);
}

/* Copy a request's path (arg[0], arg[1]) out of shared memory into path,
 * which holds max bytes; it must end with a NUL. */
static int copy_path(const struct vds_sqe *req, char *path, size_t max)
{
	uint64_t len = req->arg[1];
	if (len == 0 || len > max)
		return len == 0 ? -VDS_EINVAL : -VDS_ENAMETOOLONG;
	const char *b = client_buf(req->arg[0], len);
	if (b == NULL)
		return -VDS_EFAULT;
	memcpy(path, b, len);
	if (path[len - 1] != '\0')
		return -VDS_EINVAL;
	return 0;
}

/* ---- handles and open files ---- */

static struct ofile *ofile_new(struct node *n, int mode)
{
	struct ofile *of = calloc(1, sizeof(*of));
	if (of == NULL)
		return NULL;
	of->node = n;
	of->mode = mode;
	n->opens++;
	if (n->pipe && (mode & VDS_O_READ))
		n->pipe->readers++;
	if (n->pipe && (mode & VDS_O_WRITE))
		n->pipe->writers++;
	count.files++;
	return of;
}

static void pump(struct pipe *p);
static void park_drop(struct park **pp, int64_t result);

static void ofile_put(struct ofile *of)
{
	if (--of->refs > 0)
		return;
	struct node *n = of->node;
	for (struct park **pp = &parked; *pp;) /* its waiting requests fail */
		if ((*pp)->of == of)
			park_drop(pp, -VDS_EBADF);
		else
			pp = &(*pp)->next;
	if (n->pipe) {
		n->pipe->readers -= (of->mode & VDS_O_READ) != 0;
		n->pipe->writers -= (of->mode & VDS_O_WRITE) != 0;
		pump(n->pipe); /* end of file, or a broken pipe, for the other end */
	}
	n->opens--;
	node_release(n);
	free(of);
	count.files--;
}

/* May pid have `need` more handles? */
static int handle_room(int pid, int need)
{
	int mine = 0, free_n = 0;
	for (int h = 0; h < MAXHANDLES; h++) {
		mine += handles[h].pid == pid;
		free_n += handles[h].pid == 0;
	}
	return mine + need <= CLIENT_MAX && free_n >= need;
}

/* A new handle for pid on of (which gains a reference): its number, or an
 * error. */
static int64_t handle_new(int pid, struct ofile *of)
{
	if (!handle_room(pid, 1))
		return -VDS_EMFILE;
	int free_h = 0;
	while (handles[free_h].pid != 0) /* there is one: handle_room saw it */
		free_h++;
	handles[free_h] = (struct handle){ pid, of };
	of->refs++;
	count.handles++;
	return free_h;
}

/* pid's handle h, or NULL: another process's handle is no handle. */
static struct ofile *handle_get(int pid, uint64_t h)
{
	if (h >= MAXHANDLES || handles[h].pid != pid)
		return NULL;
	return handles[h].of;
}

static void handle_close(int h)
{
	struct ofile *of = handles[h].of;
	handles[h] = (struct handle){ 0, NULL };
	count.handles--;
	ofile_put(of);
}

/* ---- pipes ---- */

/* Move up to len bytes between pipe p and buf: the count, 0 at end of
 * file, -VDS_EPIPE with no reader left, or WAIT. */
static int64_t pipe_io(struct pipe *p, int writing, char *buf, size_t len)
{
	if (len == 0)
		return 0;
	if (writing && p->readers == 0)
		return -VDS_EPIPE;
	if (!writing && p->len == 0)
		return p->writers ? WAIT : 0;
	size_t room = PIPE_SIZE - p->len;
	if (writing && (room == 0 || (len <= PIPE_ATOMIC && room < len)))
		return WAIT; /* full, or a small write that must go in whole */
	size_t n = writing ? room : p->len;
	n = len < n ? len : n;
	size_t at = writing ? (p->head + p->len) % PIPE_SIZE : p->head;
	size_t first = PIPE_SIZE - at < n ? PIPE_SIZE - at : n;
	if (writing) {
		memcpy(p->buf + at, buf, first);
		memcpy(p->buf, buf + first, n - first);
		p->len += n;
	} else {
		memcpy(buf, p->buf + at, first);
		memcpy(buf + first, p->buf, n - first);
		p->head = (p->head + n) % PIPE_SIZE;
		p->len -= n;
	}
	return (int64_t)n;
}

static void answer(const struct vds_sqe *req, int64_t result)
{
	if (req->flags & VDS_SQE_NOREPLY)
		return;
	struct vds_sqe rep = { 0 };
	rep.arg[0] = (uint64_t)result;
	VDS(reply)(req, &rep);
}

/* Remove *pp from the parked list, answering it with result (unless it
 * is WAIT: the client is gone). */
static void park_drop(struct park **pp, int64_t result)
{
	struct park *k = *pp;
	*pp = k->next;
	if (result != WAIT)
		answer(&k->req, result);
	free(k);
	count.pending--;
}

/* Serve the waiting requests on p that can go now, oldest first, until
 * none can. */
static void pump(struct pipe *p)
{
	int moved = 1;
	while (moved) {
		moved = 0;
		for (struct park **pp = &parked; *pp;) {
			struct park *k = *pp;
			if (k->of->node->pipe != p) {
				pp = &k->next;
				continue;
			}
			int writing = k->req.op == VDS_FS_WRITE;
			char *b = client_buf(k->req.arg[1], k->req.arg[2]);
			int64_t r = b ? pipe_io(p, writing, b, k->req.arg[2]) : -VDS_EFAULT;
			if (r == WAIT) {
				pp = &k->next;
				continue;
			}
			park_drop(pp, r);
			moved = 1;
		}
	}
}

/* How many of pid's requests wait (CLIENT_PARKED bounds it). */
static int parked_by(int pid)
{
	int n = 0;
	for (struct park *k = parked; k; k = k->next)
		n += k->req.sender == pid;
	return n;
}

/* A read or write on pipe of: the result now, or WAIT having parked it. */
static int64_t pipe_request(struct ofile *of, const struct vds_sqe *req, char *buf)
{
	struct pipe *p = of->node->pipe;
	int writing = req->op == VDS_FS_WRITE;
	int64_t r = pipe_io(p, writing, buf, req->arg[2]);
	if (r == WAIT) {
		if (count.pending >= MAXPARKED || parked_by(req->sender) >= CLIENT_PARKED)
			return -VDS_EAGAIN;
		struct park *k = calloc(1, sizeof(*k));
		if (k == NULL)
			return -VDS_ENOMEM;
		k->req = *req;
		k->of = of;
		struct park **pp = &parked; /* at the end: first come, first served */
		while (*pp)
			pp = &(*pp)->next;
		*pp = k;
		count.pending++;
		return WAIT;
	}
	if (r > 0)
		pump(p); /* room or data for the other end */
	return r;
}

/* ---- files ---- */

/* Make room for size bytes in file n. */
static int file_reserve(struct node *n, uint64_t size)
{
	if (size > FILE_MAX)
		return -VDS_EFBIG;
	if (size <= n->cap)
		return 0;
	size_t cap = n->cap ? n->cap : 256;
	while (cap < size)
		cap *= 2;
	char *d = realloc(n->data, cap);
	if (d == NULL)
		return -VDS_ENOSPC;
	n->data = d;
	n->cap = cap;
	return 0;
}

static int file_resize(struct node *n, uint64_t size)
{
	int r = file_reserve(n, size);
	if (r < 0)
		return r;
	if (size > n->size)
		memset(n->data + n->size, 0, size - n->size);
	n->size = size;
	return 0;
}

static int64_t file_read(struct ofile *of, char *buf, uint64_t len)
{
	struct node *n = of->node;
	if (of->off >= n->size)
		return 0;
	uint64_t k = n->size - of->off < len ? n->size - of->off : len;
	memcpy(buf, n->data + of->off, k);
	of->off += k;
	return (int64_t)k;
}

static int64_t file_write(struct ofile *of, const char *buf, uint64_t len)
{
	struct node *n = of->node;
	if (len == 0)
		return 0;
	if (of->mode & VDS_O_APPEND)
		of->off = n->size;
	uint64_t end = of->off + len;
	if (end > n->size) {
		int r = file_resize(n, end);
		if (r < 0)
			return r;
	}
	memcpy(n->data + of->off, buf, len);
	of->off = end;
	return (int64_t)len;
}

static int64_t dir_read(struct ofile *of, char *buf, uint64_t len)
{
	struct vds_dirent *d = (struct vds_dirent *)(void *)buf;
	uint64_t max = len / sizeof(*d), i = 0, got = 0;
	if (max == 0)
		return -VDS_EINVAL;
	for (struct node *c = of->node->child; c && got < max; c = c->next, i++) {
		if (i < of->off)
			continue;
		struct vds_dirent e = { .type = (uint32_t)c->type, .size = c->size };
		if (c->type == VDS_T_DIR)
			e.size = c->nchild;
		strcpy(e.name, c->name);
		memcpy(&d[got++], &e, sizeof(e)); /* a whole entry, never ours half-read */
	}
	of->off += got;
	return (int64_t)(got * sizeof(*d));
}

static void stat_reply(const struct node *n, struct vds_sqe *rep)
{
	rep->arg[1] = (uint64_t)n->type;
	rep->arg[2] = n->type == VDS_T_DIR ? n->nchild : n->pipe ? n->pipe->len : n->size;
	rep->arg[3] = n->inode;
}

/* ---- requests ---- */

static int64_t do_open(int pid, const struct vds_sqe *req)
{
	char path[VDS_PATH_MAX], last[sizeof(root->name)];
	int64_t r = copy_path(req, path, sizeof(path));
	uint64_t flags = req->arg[2];
	if (r < 0)
		return r;
	if (flags & ~(uint64_t)(VDS_O_READ | VDS_O_WRITE | VDS_O_CREATE | VDS_O_EXCL | VDS_O_TRUNC |
	                        VDS_O_APPEND | VDS_O_DIR))
		return -VDS_EINVAL;
	int mode = (int)(flags & (VDS_O_READ | VDS_O_WRITE | VDS_O_APPEND));
	if (!(mode & (VDS_O_READ | VDS_O_WRITE)))
		mode |= VDS_O_READ;
	struct node *n, *dir;
	r = walk(path, &n, NULL);
	if (r == -VDS_ENOENT && (flags & VDS_O_CREATE)) {
		r = walk_parent(path, &dir, last);
		if (r < 0)
			return r;
		if ((n = dir_find(dir, last)) == NULL) {
			n = node_new(VDS_T_FILE, dir, last);
			if (n == NULL)
				return -VDS_ENOSPC;
		}
	} else if (r < 0) {
		return r;
	} else if ((flags & VDS_O_CREATE) && (flags & VDS_O_EXCL)) {
		return -VDS_EEXIST;
	}
	if (n->type == VDS_T_DIR && (mode & VDS_O_WRITE))
		return -VDS_EISDIR;
	if (n->type != VDS_T_DIR && (flags & VDS_O_DIR))
		return -VDS_ENOTDIR;
	struct ofile *of = ofile_new(n, mode);
	if (of == NULL)
		return -VDS_ENOMEM;
	r = handle_new(pid, of);
	if (r >= 0 && (flags & VDS_O_TRUNC) && n->type == VDS_T_FILE && (mode & VDS_O_WRITE))
		file_resize(n, 0);
	if (r < 0) {
		of->refs = 1;
		ofile_put(of);
	}
	return r;
}

static int64_t do_io(struct ofile *of, const struct vds_sqe *req)
{
	int writing = req->op == VDS_FS_WRITE;
	uint64_t len = req->arg[2];
	if (len > VDS_FS_IO_MAX)
		return -VDS_EINVAL;
	char *buf = client_buf(req->arg[1], len);
	if (buf == NULL)
		return -VDS_EFAULT;
	if (!(of->mode & (writing ? VDS_O_WRITE : VDS_O_READ)))
		return -VDS_EBADF;
	switch (of->node->type) {
	case VDS_T_PIPE:
		return pipe_request(of, req, buf);
	case VDS_T_DIR:
		return -VDS_EISDIR;
	default:
		return writing ? file_write(of, buf, len) : file_read(of, buf, len);
	}
}

static int64_t do_seek(struct ofile *of, int64_t off, uint64_t whence)
{
	struct node *n = of->node;
	if (n->type == VDS_T_PIPE)
		return -VDS_ESPIPE;
	int64_t base = whence == 0 ? 0 : whence == 1 ? (int64_t)of->off : (int64_t)n->size;
	if (whence > 2 || (n->type == VDS_T_DIR && whence != 0))
		return -VDS_EINVAL;
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
		return -VDS_EINVAL;
	of->off = (uint64_t)(base + off);
	return base + off;
}

static int64_t do_mkdir(const struct vds_sqe *req)
{
	char path[VDS_PATH_MAX], last[sizeof(root->name)];
	struct node *dir;
	int64_t r = copy_path(req, path, sizeof(path));
	if (r == 0)
		r = walk_parent(path, &dir, last);
	if (r < 0)
		return r == -VDS_EINVAL && strcmp(path, "/") == 0 ? -VDS_EEXIST : r;
	if (dir_find(dir, last))
		return -VDS_EEXIST;
	return node_new(VDS_T_DIR, dir, last) ? 0 : -VDS_ENOSPC;
}

static int64_t do_unlink(const struct vds_sqe *req)
{
	char path[VDS_PATH_MAX];
	struct node *n;
	int64_t r = copy_path(req, path, sizeof(path));
	if (r == 0)
		r = walk(path, &n, NULL);
	if (r < 0)
		return r;
	if (n == root)
		return -VDS_EBUSY;
	if (n->type == VDS_T_DIR && n->nchild > 0)
		return -VDS_ENOTEMPTY;
	node_unlink(n);
	return 0;
}

/* Is n dir or inside it? */
static int within(const struct node *n, const struct node *dir)
{
	for (;; n = n->parent) {
		if (n == dir)
			return 1;
		if (n == root)
			return 0;
	}
}

static int64_t do_rename(const struct vds_sqe *req)
{
	char both[2 * VDS_PATH_MAX], last[sizeof(root->name)];
	struct node *n, *dir;
	int64_t r = copy_path(req, both, sizeof(both));
	if (r < 0)
		return r;
	size_t na = strlen(both) + 1;
	if (na >= req->arg[1])
		return -VDS_EINVAL; /* no second path */
	const char *to = both + na;
	if ((r = walk(both, &n, NULL)) < 0 || (r = walk_parent(to, &dir, last)) < 0)
		return r;
	if (n == root || within(dir, n))
		return -VDS_EINVAL; /* a directory into itself */
	struct node *old = dir_find(dir, last);
	if (old == n)
		return 0;
	if (old && old->type == VDS_T_DIR && n->type != VDS_T_DIR)
		return -VDS_EISDIR;
	if (old && old->type != VDS_T_DIR && n->type == VDS_T_DIR)
		return -VDS_ENOTDIR;
	if (old && old->type == VDS_T_DIR && old->nchild > 0)
		return -VDS_ENOTEMPTY;
	if (old)
		node_unlink(old);
	n->opens++; /* keep it while it moves */
	node_unlink(n);
	strcpy(n->name, last);
	dir_link(dir, n);
	n->opens--;
	return 0;
}

/* SplitMix64's finaliser: a bijection that spreads every bit. */
static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * A grant token: a counter through two rounds of mix() with secret keys
 * between (taken at start from the clock and this process's random vDSO
 * base). One token does not give the next away, as the plain mix of a
 * counter would. Not a cryptographic generator: docs/FILES.md.
 */
static uint64_t new_token(void)
{
	static uint64_t ctr;
	return (mix(mix(++ctr ^ token_key[0]) ^ token_key[1]) >> 2) | 1; /* > 0 */
}

/* How many grants pid has made that nobody redeemed yet. */
static int grants_of(int pid)
{
	int n = 0;
	for (int g = 0; g < MAXGRANTS; g++)
		n += grants[g].token && grants[g].granter == pid;
	return n;
}

static int64_t do_grant(int pid, struct ofile *of)
{
	if (grants_of(pid) >= CLIENT_GRANTS)
		return -VDS_EAGAIN;
	for (int g = 0; g < MAXGRANTS; g++) {
		if (grants[g].token)
			continue;
		grants[g] = (struct grant){ new_token(), VDS(clock_ns)() + GRANT_NS, of, pid };
		of->refs++;
		return (int64_t)grants[g].token;
	}
	return -VDS_EAGAIN;
}

static struct vds_psinfo ps[MAXPROCS]; /* the last sys_ps */
static int nps;

/* Is pid the granter or its child? (Refreshes ps, as sweep does.) */
static int may_redeem(int pid, int granter)
{
	if (pid == granter)
		return 1;
	if ((nps = sys_ps(ps, MAXPROCS)) < 0)
		return 0;
	for (int i = 0; i < nps; i++)
		if (ps[i].pid == pid)
			return ps[i].ppid == granter;
	return 0;
}

static int64_t do_redeem(int pid, uint64_t token)
{
	for (int g = 0; g < MAXGRANTS; g++) {
		if (token == 0 || grants[g].token != token)
			continue;
		if (!may_redeem(pid, grants[g].granter))
			return -VDS_ENOENT; /* as if there were no such token */
		struct ofile *of = grants[g].of;
		int64_t h = handle_new(pid, of);
		if (h < 0)
			return h; /* the grant stays, for a retry */
		grants[g].token = 0;
		ofile_put(of); /* the grant's reference */
		return h;
	}
	return -VDS_ENOENT;
}

static int64_t do_pipe(int pid, struct vds_sqe *rep)
{
	if (!handle_room(pid, 2))
		return -VDS_EMFILE;
	struct node *n = node_new(VDS_T_PIPE, NULL, "");
	struct pipe *p = calloc(1, sizeof(*p));
	char *buf = malloc(PIPE_SIZE);
	if (n == NULL || p == NULL || buf == NULL) {
		free(buf);
		free(p);
		if (n)
			node_release(n);
		return -VDS_ENOMEM;
	}
	n->pipe = p;
	p->buf = buf;
	struct ofile *rd = ofile_new(n, VDS_O_READ);
	if (rd == NULL) {
		node_release(n); /* and its pipe */
		return -VDS_ENOMEM;
	}
	struct ofile *wr = ofile_new(n, VDS_O_WRITE);
	if (wr == NULL) {
		rd->refs = 1;
		ofile_put(rd); /* the last open: the node goes too */
		return -VDS_ENOMEM;
	}
	rep->arg[1] = (uint64_t)handle_new(pid, rd); /* there is room: checked above */
	rep->arg[2] = (uint64_t)handle_new(pid, wr);
	return 0;
}

static int alive(int pid)
{
	for (int i = 0; i < nps; i++)
		if (ps[i].pid == pid)
			return ps[i].state != VDS_PS_ZOMBIE && ps[i].state != VDS_PS_EXITING;
	return 0;
}

/* Close what dead clients held, drop their waiting requests and the
 * grants nobody redeemed in time. */
static void sweep(void)
{
	if ((nps = sys_ps(ps, MAXPROCS)) < 0)
		return;
	uint64_t now = VDS(clock_ns)();
	for (int g = 0; g < MAXGRANTS; g++)
		if (grants[g].token && grants[g].expires < now) {
			grants[g].token = 0;
			ofile_put(grants[g].of);
		}
	for (int h = 0; h < MAXHANDLES; h++)
		if (handles[h].pid && !alive(handles[h].pid))
			handle_close(h);
	for (struct park **pp = &parked; *pp;)
		if (alive((*pp)->req.sender))
			pp = &(*pp)->next;
		else
			park_drop(pp, WAIT);
}

static void serve(struct vds_sqe *req)
{
	struct vds_sqe rep = { 0 };
	int pid = req->sender;
	struct ofile *of = handle_get(pid, req->arg[0]);
	int64_t r = -VDS_EBADF;
	switch (req->op) {
	case OP_TICK:
		if (pid == self) {
			sweep();
			return;
		}
		r = -VDS_ENOSYS; /* not a client's */
		break;
	case VDS_FS_OPEN:
		r = do_open(pid, req);
		break;
	case VDS_FS_CLOSE:
		if (of)
			handle_close((int)req->arg[0]);
		r = of ? 0 : -VDS_EBADF;
		break;
	case VDS_FS_READ:
	case VDS_FS_WRITE:
		if (req->flags & VDS_SQE_NOREPLY)
			return; /* data with nowhere to go: ignored */
		if (of && (r = do_io(of, req)) == WAIT)
			return; /* parked: pump() answers it */
		break;
	case VDS_FS_SEEK:
		if (of)
			r = do_seek(of, (int64_t)req->arg[1], req->arg[2]);
		break;
	case VDS_FS_TRUNCATE:
		if (of && of->node->type != VDS_T_FILE)
			r = -VDS_EINVAL;
		else if (of && !(of->mode & VDS_O_WRITE))
			r = -VDS_EBADF;
		else if (of)
			r = file_resize(of->node, req->arg[1]);
		break;
	case VDS_FS_STAT: {
		char path[VDS_PATH_MAX];
		struct node *n;
		if ((r = copy_path(req, path, sizeof(path))) == 0 &&
		    (r = walk(path, &n, NULL)) == 0)
			stat_reply(n, &rep);
		break;
	}
	case VDS_FS_FSTAT:
		if (of)
			stat_reply(of->node, &rep), r = 0;
		break;
	case VDS_FS_MKDIR:
		r = do_mkdir(req);
		break;
	case VDS_FS_UNLINK:
		r = do_unlink(req);
		break;
	case VDS_FS_RENAME:
		r = do_rename(req);
		break;
	case VDS_FS_READDIR: {
		char *buf = client_buf(req->arg[1], req->arg[2]);
		if (of && of->node->type != VDS_T_DIR)
			r = -VDS_ENOTDIR;
		else if (of)
			r = buf ? dir_read(of, buf, req->arg[2]) : -VDS_EFAULT;
		break;
	}
	case VDS_FS_DUP:
		if (of)
			r = handle_new(pid, of);
		break;
	case VDS_FS_GRANT:
		if (of)
			r = do_grant(pid, of);
		break;
	case VDS_FS_REDEEM:
		r = do_redeem(pid, req->arg[0]);
		break;
	case VDS_FS_PIPE:
		r = do_pipe(pid, &rep);
		break;
	case VDS_FS_STATS:
		rep.arg[1] = count.handles;
		rep.arg[2] = count.files;
		rep.arg[3] = count.pending;
		rep.arg[4] = count.nodes;
		r = 0;
		break;
	default:
		r = -VDS_ENOSYS;
	}
	if (req->flags & VDS_SQE_NOREPLY)
		return;
	rep.arg[0] = (uint64_t)r;
	VDS(reply)(req, &rep);
}

static int grants_out(void)
{
	for (int g = 0; g < MAXGRANTS; g++)
		if (grants[g].token)
			return 1;
	return 0;
}

/* Wakes the server every SWEEP_MS with a message to itself. */
static void ticker(void *arg)
{
	(void)arg;
	for (;;) {
		sys_sleep(SWEEP_MS * 1000000ULL);
		if (count.handles || count.pending || grants_out()) {
			struct vds_sqe tick = { .op = OP_TICK, .flags = VDS_SQE_NOREPLY };
			VDS(send)(self, &tick);
		}
	}
}

/* ---- the initial tree ---- */

static const char motd[] = "Welcome to vdsOS. Files live in the file server's memory: they are\n"
                           "gone when the machine stops. Try: ls /bin, cat /etc/poem | wc,\n"
                           "echo hello > /tmp/x, cat /tmp/x, help.\n";

static const char readme[] = "This is your home directory. Everything here lives in RAM.\n"
                             "Pipes: cat /etc/poem | grep the | wc\n"
                             "Redirection: ls /bin > /tmp/list; wc < /tmp/list\n";

static const char poem[] = "The queue is long, the queue is wide,\n"
                           "a message waits on every side;\n"
                           "no trap, no bell, the kernel reads\n"
                           "the ring where every process pleads.\n"
                           "It copies once, it checks the name,\n"
                           "the outbox tells it whence it came;\n"
                           "and if the ring is empty still,\n"
                           "it sleeps until the doorbell will.\n";

static int seed_file(const char *dir, const char *name, const void *data, size_t size)
{
	struct node *d, *n;
	if (walk(dir, &d, NULL) < 0 || (n = node_new(VDS_T_FILE, d, name)) == NULL)
		return -VDS_ENOMEM;
	int r = file_resize(n, size);
	if (r == 0)
		memcpy(n->data, data, size);
	return r;
}

/* /bin from the initrd, a few directories and text files. */
static int seed(void)
{
	root = node_new(VDS_T_DIR, NULL, "");
	if (root == NULL)
		return -VDS_ENOMEM;
	root->parent = root;
	root->linked = 1;
	static const char *dirs[] = { "bin", "etc", "home", "tmp" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (node_new(VDS_T_DIR, root, dirs[i]) == NULL)
			return -VDS_ENOMEM;
	char name[VDS_INITRD_NAME];
	for (int i = 0;; i++) {
		long size = sys_initrd(i, name, NULL, 0);
		if (size == -VDS_ENOENT)
			break;
		char *img = size > 0 ? malloc((size_t)size) : NULL;
		if (img == NULL || sys_initrd(i, name, img, (size_t)size) != size)
			return -VDS_EIO;
		int r = seed_file("/bin", name, img, (size_t)size);
		free(img);
		if (r < 0)
			return r;
	}
	int r = seed_file("/etc", "motd", motd, sizeof(motd) - 1);
	if (r == 0)
		r = seed_file("/etc", "poem", poem, sizeof(poem) - 1);
	if (r == 0)
		r = seed_file("/home", "README", readme, sizeof(readme) - 1);
	return r;
}

int main(void)
{
	self = VDS(getpid)();
	struct vds_info info;
	VDS(info)(&info); /* the kernel placed our vDSO at a random base */
	token_key[0] = mix(VDS(clock_ns)() ^ (uint64_t)info.base);
	token_key[1] = mix(token_key[0] ^ (uint64_t)(uintptr_t)&info ^ ((uint64_t)self << 40));
	int r = seed();
	if (r < 0) {
		fprintf(stderr, "fs: cannot build the file system: %s\n", vds_strerror(r));
		return 1;
	}
	r = VDS(co_spawn)(ticker, NULL, "ticker", 8192);
	if (r < 0 || (r = sys_name_set(VDS_FS_NAME, (uint64_t)self)) < 0) {
		fprintf(stderr, "fs: cannot start: %s\n", vds_strerror(r));
		return 1;
	}
	for (;;) {
		struct vds_sqe req;
		VDS(recv)(-1, -1, &req);
		serve(&req);
	}
}
