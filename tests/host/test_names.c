/*
 * Host test of the name table (vdso/names.c): its rules, then one writer
 * (as the kernel is) registering, changing and removing names while reader
 * threads look them up. A reader must never see a torn entry: every value
 * carries a checksum of its name. Built under TSan and ASan.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "htest.h"
#include "internal.h"

#define NREADERS 3
#define ROUNDS   20000
#define NNAMES   8

static int stop;
static long torn, seen;

static uint32_t sum(const char *s)
{
	uint32_t h = 2166136261U;
	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619U;
	return h;
}

static void *reader(void *arg)
{
	(void)arg;
	char name[16];
	long my_torn = 0, my_seen = 0;
	for (int i = 0; !__atomic_load_n(&stop, __ATOMIC_ACQUIRE); i++) {
		snprintf(name, sizeof(name), "svc.%d", i % NNAMES);
		uint64_t v;
		if (vds_name_get(name, &v) == 0) {
			my_seen++;
			if ((uint32_t)(v >> 32) != sum(name))
				my_torn++;
		}
	}
	__atomic_add_fetch(&torn, my_torn, __ATOMIC_RELAXED);
	__atomic_add_fetch(&seen, my_seen, __ATOMIC_RELAXED);
	return NULL;
}

static void test_rules(void)
{
	uint64_t v;
	CHECK_EQ(vds_name_set("x", 1, 5), 0);
	CHECK_EQ(vds_name_set("x", 2, 6), -VDS_EEXIST);
	CHECK_EQ(vds_name_get("x", &v), 0);
	CHECK_EQ(v, 1);
	CHECK_EQ(vds_name_del("x", 6), -VDS_EPERM);
	CHECK_EQ(vds_name_del("x", 5), 0);
	CHECK_EQ(vds_name_get("x", &v), -VDS_ENOENT);
	CHECK_EQ(vds_name_set("", 1, 5), -VDS_EINVAL);
	CHECK_EQ(vds_name_set("0123456789012345678901234567890123", 1, 5), -VDS_ENAMETOOLONG);
	int n = 0;
	char name[16];
	for (;; n++) {
		snprintf(name, sizeof(name), "fill.%d", n);
		if (vds_name_set(name, 0, 9) != 0)
			break;
	}
	CHECK(n > 0);
	CHECK_EQ(vds_name_set("one.more", 0, 9), -VDS_ENOSPC);
	CHECK_EQ(vds_name_purge(9), n);
	CHECK_EQ(vds_name_set("one.more", 0, 9), 0);
	CHECK_EQ(vds_name_del("one.more", 0), 0); /* owner 0, the kernel, may remove any */
	ht_report("names: set, get, owners, full table, purge");
}

static void test_readers(void)
{
	pthread_t t[NREADERS];
	for (int i = 0; i < NREADERS; i++)
		pthread_create(&t[i], NULL, reader, NULL);
	char name[16];
	for (int round = 0; round < ROUNDS; round++) {
		snprintf(name, sizeof(name), "svc.%d", round % NNAMES);
		uint64_t v = (uint64_t)sum(name) << 32 | (uint32_t)round;
		vds_name_del(name, 1);
		CHECK_EQ(vds_name_set(name, v, 1), 0);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < NREADERS; i++)
		pthread_join(t[i], NULL);
	printf("    # %ld lookups found a name while it was being changed\n", seen);
	CHECK_EQ(torn, 0);
	CHECK_EQ(vds_name_purge(1), NNAMES);
	ht_report("names: readers racing the writer never see a torn entry");
}

int main(void)
{
	printf("1..2\n");
	test_rules();
	test_readers();
	return 0;
}
