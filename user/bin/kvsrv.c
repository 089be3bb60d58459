/*
 * kvsrv: a key-value server over IPC, registered as "kv". Keys and values
 * come in shared-allocator buffers passed by relative pointer; the server
 * copies them into its own memory and frees the request buffer.
 */
#include <vdsos.h>
#include "demo.h"

#define NKEYS 128

static struct {
	char key[KV_KEY_MAX];
	char *value;
} table[NKEYS];

static int find(const char *key)
{
	for (int i = 0; i < NKEYS; i++)
		if (table[i].value && strcmp(table[i].key, key) == 0)
			return i;
	return -1;
}

/* The request's buffer, checked: it must hold n bytes of shared memory with
 * the strings it should inside. NULL if not. */
static char *buffer(const struct vds_sqe *req)
{
	uint64_t n = req->arg[1];
	char *b = n > 0 && n <= KV_KEY_MAX + KV_VALUE_MAX ? VDS(rel_to_ptr)(req->arg[0], n) : NULL;
	return b && b[n - 1] == '\0' ? b : NULL;
}

static int64_t put(const char *b, uint64_t n)
{
	size_t klen = strlen(b);
	if (klen == 0 || klen >= KV_KEY_MAX || klen + 1 >= n)
		return -VDS_EINVAL;
	const char *v = b + klen + 1;
	int i = find(b);
	if (i < 0)
		for (i = 0; i < NKEYS && table[i].value; i++)
			;
	if (i == NKEYS)
		return -VDS_ENOSPC;
	char *copy = strdup(v);
	if (copy == NULL)
		return -VDS_ENOMEM;
	free(table[i].value);
	strcpy(table[i].key, b);
	table[i].value = copy;
	return 0;
}

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

static void serve(const struct vds_sqe *req)
{
	struct vds_sqe rep = { 0 };
	int64_t r = -VDS_ENOSYS;
	char *b = buffer(req);
	switch (req->op) {
	case OP_KV_PUT:
		r = b ? put(b, req->arg[1]) : -VDS_EFAULT;
		break;
	case OP_KV_GET:
		r = b ? get(b, &rep) : -VDS_EFAULT;
		break;
	case OP_KV_DEL: {
		int i = b ? find(b) : -1;
		r = b == NULL ? -VDS_EFAULT : i < 0 ? -VDS_ENOKEY : 0;
		if (i >= 0) {
			free(table[i].value);
			table[i].value = NULL;
		}
		break;
	}
	case OP_KV_COUNT:
		r = 0;
		for (int i = 0; i < NKEYS; i++)
			r += table[i].value != NULL;
		break;
	case OP_QUIT:
		r = 0;
		break;
	}
	if (b)
		VDS(shm_free)(req->arg[0]); /* the request buffer is ours now */
	rep.arg[0] = (uint64_t)r;
	VDS(reply)(req, &rep);
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
