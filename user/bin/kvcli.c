/*
 * kvcli: the key-value client.
 *   kvcli put KEY VALUE | get KEY | del KEY | count | quit
 *   kvcli check ID N     put, get and delete N keys of its own, checking all
 */
#include <vdsos.h>
#include "demo.h"

static int server(void)
{
	uint64_t id;
	return VDS(name_get)("kv", &id) == 0 ? (int)id : -VDS_ENOENT;
}

/* One request with strings a (and b) in a fresh shared buffer. */
static int64_t request(int op, const char *a, const char *b, struct vds_sqe *rep)
{
	int srv = server();
	if (srv < 0)
		return srv;
	struct vds_sqe req = { .op = (uint16_t)op };
	if (a) {
		size_t la = strlen(a) + 1, lb = b ? strlen(b) + 1 : 0;
		vds_rel_t r = VDS(shm_alloc)(la + lb);
		char *buf = VDS(rel_to_ptr)(r, la + lb);
		if (buf == NULL)
			return -VDS_ENOMEM;
		memcpy(buf, a, la);
		if (b)
			memcpy(buf + la, b, lb);
		req.arg[0] = r;
		req.arg[1] = la + lb;
	}
	int r = VDS(call)(srv, &req, rep);
	return r < 0 ? r : (int64_t)rep->arg[0];
}

/* GET: the value comes back in a buffer the server allocated; we free it. */
static int64_t get(const char *key, char *out, size_t max)
{
	struct vds_sqe rep;
	int64_t r = request(OP_KV_GET, key, NULL, &rep);
	if (r < 0)
		return r;
	char *v = VDS(rel_to_ptr)(rep.arg[1], rep.arg[2]);
	if (v == NULL || rep.arg[2] == 0 || v[rep.arg[2] - 1] != '\0')
		return -VDS_EBADMSG;
	strncpy(out, v, max - 1);
	out[max - 1] = '\0';
	VDS(shm_free)(rep.arg[1]);
	return 0;
}

static int check(const char *id, int n)
{
	char key[KV_KEY_MAX], val[64], got[64];
	struct vds_sqe rep;
	for (int i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%s.%d", id, i);
		snprintf(val, sizeof(val), "value %d of client %s", i * 7, id);
		if (request(OP_KV_PUT, key, val, &rep) != 0)
			return 1;
	}
	for (int i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%s.%d", id, i);
		snprintf(val, sizeof(val), "value %d of client %s", i * 7, id);
		if (get(key, got, sizeof(got)) != 0 || strcmp(got, val) != 0)
			return 2;
		if (request(OP_KV_DEL, key, NULL, &rep) != 0)
			return 3;
	}
	return get(key, got, sizeof(got)) == -VDS_ENOKEY ? 0 : 4;
}

int main(int argc, char **argv)
{
	struct vds_sqe rep;
	char value[KV_VALUE_MAX];
	const char *cmd = argc > 1 ? argv[1] : "";
	int64_t r;
	if (strcmp(cmd, "put") == 0 && argc == 4)
		r = request(OP_KV_PUT, argv[2], argv[3], &rep);
	else if (strcmp(cmd, "get") == 0 && argc == 3) {
		r = get(argv[2], value, sizeof(value));
		if (r == 0)
			printf("%s\n", value);
	} else if (strcmp(cmd, "del") == 0 && argc == 3)
		r = request(OP_KV_DEL, argv[2], NULL, &rep);
	else if (strcmp(cmd, "count") == 0) {
		r = request(OP_KV_COUNT, NULL, NULL, &rep);
		if (r >= 0)
			printf("%ld keys\n", (long)r);
	} else if (strcmp(cmd, "quit") == 0)
		r = request(OP_QUIT, NULL, NULL, &rep);
	else if (strcmp(cmd, "check") == 0 && argc == 4)
		return check(argv[2], atoi(argv[3]));
	else {
		printf(
		    "usage: kvcli put KEY VALUE | get KEY | del KEY | count | quit | check ID N\n");
		return 2;
	}
	if (r < 0) {
		printf("kvcli: %s\n", vds_strerror((int)r));
		return 1;
	}
	return 0;
}
