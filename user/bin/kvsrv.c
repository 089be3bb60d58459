/*
 * kvsrv: a key-value server over IPC, registered as "kv" (the server of lab
 * kvserver, docs/labs/kvserver.md). Keys and values come in shared-allocator
 * buffers passed by relative pointer; the server copies each into its own
 * memory before it looks at it, and frees the request buffer. A key
 * belongs to the process that first put it: anyone may read it, only its
 * owner may change or delete it; the keys of owners that have ended give
 * way when the table is full. The owner is the message's sender, which the
 * vDSO takes from the outbox the message came from: no process can claim
 * to be another.
 */
#include <vdsos.h>
#include "demo.h"

/*
 * The request's buffer (arg0, arg1 bytes), copied into our own memory
 * first: the shared block stays writable by every process, so a check made
 * on it could be undone before we use what we checked. NULL if it is not a
 * shared block of that size, or does not end with a NUL. The block is ours
 * to free (we do, once copied).
 */
static char *payload(const struct vds_sqe *req)
{
	static char copy[KV_KEY_MAX + KV_VALUE_MAX];
	uint64_t n = req->arg[1];
	char *b = n > 0 && n <= sizeof(copy) ? VDS(rel_to_ptr)(req->arg[0], n) : NULL;
	if (b == NULL)
		return NULL;
	memcpy(copy, b, n);
	VDS(shm_free)(req->arg[0]);
	return copy[n - 1] == '\0' ? copy : NULL;
}

/* LAB kvserver: BEGIN keep the keys; answer PUT, GET, DEL, COUNT and QUIT */
#define NKEYS 128

static struct {
	char key[KV_KEY_MAX];
	char *value; /* NULL: a free entry */
	int owner;   /* the pid that put it */
} table[NKEYS];

static int find(const char *key)
{
	for (int i = 0; i < NKEYS; i++)
		if (table[i].value && strcmp(table[i].key, key) == 0)
			return i;
	return -1;
}

static int first_free(void)
{
	for (int i = 0; i < NKEYS; i++)
		if (table[i].value == NULL)
			return i;
	return -1;
}

/* Is pid in the process list ps[0..n) and not ending? */
static int alive(int pid, const struct vds_psinfo *ps, int n)
{
	for (int k = 0; k < n; k++)
		if (ps[k].pid == pid)
			return ps[k].state != VDS_PS_ZOMBIE && ps[k].state != VDS_PS_EXITING;
	return 0;
}

/* A free entry. When there is none, the keys of owners that have ended
 * give way (pids are never reused, so nobody could change them again);
 * -1 if every key belongs to a live process. */
static int free_entry(void)
{
	int i = first_free();
	if (i >= 0)
		return i;
	static struct vds_psinfo ps[64];
	int n = sys_ps(ps, 64);
	for (i = 0; i < NKEYS && n > 0; i++)
		if (!alive(table[i].owner, ps, n)) {
			free(table[i].value);
			table[i].value = NULL;
		}
	return first_free();
}

/* PUT: b holds "key\0value\0" (n bytes, the last a NUL). */
static int64_t put(const char *b, uint64_t n, int sender)
{
	size_t klen = strlen(b);
	if (klen == 0 || klen >= KV_KEY_MAX || klen + 1 >= n)
		return -VDS_EINVAL;
	const char *v = b + klen + 1;
	if (strlen(v) >= KV_VALUE_MAX)
		return -VDS_EINVAL;
	int i = find(b);
	if (i >= 0 && table[i].owner != sender)
		return -VDS_EPERM;
	if (i < 0 && (i = free_entry()) < 0)
		return -VDS_ENOSPC;
	char *copy = strdup(v);
	if (copy == NULL)
		return -VDS_ENOMEM;
	free(table[i].value);
	strcpy(table[i].key, b);
	table[i].value = copy;
	table[i].owner = sender;
	return 0;
}

/* GET: the value goes back in a shared buffer of our own (reply arg1, and
 * its length in arg2), which the client frees. */
static int64_t get(const char *key, struct vds_sqe *rep)
{
	int i = find(key);
	if (i < 0)
		return -VDS_ENOKEY;
	size_t n = strlen(table[i].value) + 1;
	vds_rel_t r = VDS(shm_alloc)(n);
	char *out = VDS(rel_to_ptr)(r, n);
	if (out == NULL)
		return -VDS_ENOMEM;
	memcpy(out, table[i].value, n);
	rep->arg[1] = r;
	rep->arg[2] = n;
	return 0;
}

static int64_t del(const char *key, int sender)
{
	int i = find(key);
	if (i < 0)
		return -VDS_ENOKEY;
	if (table[i].owner != sender)
		return -VDS_EPERM;
	free(table[i].value);
	table[i].value = NULL;
	return 0;
}

static int64_t count(void)
{
	int64_t n = 0;
	for (int i = 0; i < NKEYS; i++)
		n += table[i].value != NULL;
	return n;
}

/* The answer to req, whose buffer b is our own copy, checked (NULL: it had
 * none, or a bad one). GET's value goes back in rep->arg[1] and arg[2]. */
static int64_t handle(const struct vds_sqe *req, const char *b, struct vds_sqe *rep)
{
	switch (req->op) {
	case OP_KV_PUT:
		return b ? put(b, req->arg[1], req->sender) : -VDS_EFAULT;
	case OP_KV_GET:
		return b ? get(b, rep) : -VDS_EFAULT;
	case OP_KV_DEL:
		return b ? del(b, req->sender) : -VDS_EFAULT;
	case OP_KV_COUNT:
		return count();
	case OP_QUIT:
		return 0;
	}
	return -VDS_ENOSYS;
}
/* LAB kvserver: STUB */
#if 0
static int64_t handle(const struct vds_sqe *req, const char *b, struct vds_sqe *rep)
{
	(void)b;
	(void)rep;
	return req->op == OP_QUIT ? 0 : -VDS_ENOSYS;
}
#endif
/* LAB kvserver: END */

static void serve(const struct vds_sqe *req)
{
	struct vds_sqe rep = { 0 };
	int64_t r = handle(req, req->arg[1] ? payload(req) : NULL, &rep);
	rep.arg[0] = (uint64_t)r;
	if (VDS(reply)(req, &rep) < 0 && req->op == OP_KV_GET && r == 0)
		VDS(shm_free)(rep.arg[1]); /* the client is gone: nobody else will */
}

int main(void)
{
	int r = sys_name_set("kv", (uint64_t)sys_getpid());
	if (r < 0) {
		printf("kvsrv: cannot register: %s\n", vds_strerror(r));
		return 1;
	}
	for (;;) {
		struct vds_sqe req;
		VDS(recv)(-1, -1, &req);
		serve(&req);
		if (req.op == OP_QUIT)
			return 0;
	}
}
