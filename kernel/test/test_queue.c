/* Receive queues between the kernel and processes, through the real mappings. */
#include <stdio.h>
#include <string.h>
#include "tests.h"

#define TESTQ 1000000 /* a queue id no process has */

int test_queue_kernel_registered(void)
{
	struct vds_qref r;
	KT_EQ(VDS(q_open)(VDS_KERNEL_ID, &r), 0);
	KT_EQ(r.mask + 1, VDS_QCAP_KERNEL);
	VDS(q_close)(&r);
	KT_EQ(VDS(q_open)(TESTQ, &r), -VDS_ENOQUEUE);
	KT_EQ(kq_send(TESTQ, &(struct vds_sqe){ 0 }), -VDS_ENOQUEUE);
	KT_EQ(kq_count(), 1); /* the kernel's own: no process is alive now */
	return 0;
}

/* A process (at its own base) sends to a queue the kernel pops. */
int test_queue_proc_to_kernel(void)
{
	KT_ASSERT(kq_register(TESTQ, 64, 0) >= 0);
	struct vds_consumer c;
	VDS(q_consumer)(kq_ref(TESTQ), &c);
	int pid = kt_spawnl("qtest", "send", "1000000", "100", NULL);
	KT_ASSERT(pid > 0);
	static struct vds_sqe m[100];
	KT_EQ(kt_pop_n(&c, m, 100), 100);
	for (int i = 0; i < 100; i++) {
		KT_EQ(m[i].arg[0], i);
		KT_EQ(m[i].sender, pid);
		KT_EQ(m[i].op, 1000);
	}
	KT_EQ(kt_wait_code(pid), 0);
	KT_EQ(kq_unregister(TESTQ), 0);
	return 0;
}

/* The kernel sends to a process's queue; it pops them in order. */
int test_queue_kernel_to_proc(void)
{
	int pid = kt_spawnl("qtest", "recv", "50", NULL);
	KT_ASSERT(pid > 0);
	for (int i = 0; i < 50; i++) {
		struct vds_sqe m = { .op = 1000, .flags = VDS_SQE_NOREPLY };
		m.arg[0] = (uint64_t)i;
		int r;
		while ((r = kq_send(pid, &m)) == -VDS_EAGAIN)
			ksleep_ns(1000 * 1000);
		KT_EQ(r, 0);
	}
	KT_EQ(kt_wait_code(pid), 0);
	KT_EQ(kq_send(pid, &(struct vds_sqe){ 0 }), -VDS_ENOQUEUE); /* gone with its process */
	return 0;
}

/* Unregistered ids and full queues give clear errors to a process. */
int test_queue_errors(void)
{
	KT_EQ(kt_wait_code(kt_spawnl("qtest", "enoent", "999999", NULL)), 0);
	KT_ASSERT(kq_register(TESTQ, 8, 0) >= 0);
	KT_EQ(kt_wait_code(kt_spawnl("qtest", "full", "1000000", "8", NULL)), 0);
	KT_EQ(kq_unregister(TESTQ), 0);
	return 0;
}

/* A writer killed between claim and publish: its cell is cancelled at reap
 * and the owner moves on to later messages. */
int test_queue_dead_writer(void)
{
	struct vds_shm_stats st0, st1;
	VDS(shm_stats)(&st0);
	KT_ASSERT(kq_register(TESTQ, 16, 0) >= 0);
	struct vds_consumer c;
	VDS(q_consumer)(kq_ref(TESTQ), &c);
	KT_EQ(kt_wait_code(kt_spawnl("qtest", "claimdie", "1000000", NULL)), -100 - EXIT_FAULT);
	KT_EQ(kt_wait_code(kt_spawnl("qtest", "send", "1000000", "3", NULL)), 0);
	struct vds_sqe m[4];
	KT_EQ(kt_pop_n(&c, m, 3), 3);
	for (int i = 0; i < 3; i++)
		KT_EQ(m[i].arg[0], i);
	KT_EQ(VDS(q_pop)(&c, m, -1), 0);
	KT_EQ(kq_unregister(TESTQ), 0);
	VDS(shm_stats)(&st1);
	KT_EQ(st1.blocks_live, st0.blocks_live);
	return 0;
}

/* A process that dies holding a queue does not block its unregister; a live
 * holder defers it until the holder is gone. */
int test_queue_holders(void)
{
	int before = kq_count();
	KT_ASSERT(kq_register(TESTQ, 16, 0) >= 0);
	KT_EQ(kt_wait_code(kt_spawnl("qtest", "holddie", "1000000", NULL)), -100 - EXIT_FAULT);
	KT_EQ(KVDS(q_inside)(kq_ref(TESTQ), proc_live_slots()), 0); /* it is not inside any more */
	KT_EQ(kq_unregister(TESTQ), 0);
	KT_EQ(kq_count(), before);

	KT_ASSERT(kq_register(TESTQ, 16, 0) >= 0);
	const struct vds_qref *r = kq_ref(TESTQ);
	struct vds_qref copy = *r;
	int holder = kt_spawnl("qtest", "hold", "1000000", NULL);
	KT_ASSERT(holder > 0);
	for (int tries = 0; tries < 500 && KVDS(q_inside)(&copy, proc_live_slots()) == 0; tries++)
		ksleep_ns(1000 * 1000);
	KT_ASSERT(KVDS(q_inside)(&copy, proc_live_slots()) != 0);
	KT_EQ(kq_unregister(TESTQ), -VDS_EBUSY);                      /* deferred, not spinning */
	KT_EQ(kq_send(TESTQ, &(struct vds_sqe){ 0 }), -VDS_ENOQUEUE); /* closed to newcomers */
	KT_EQ(proc_kill_pid(holder, EXIT_KILLED), 0);
	KT_EQ(kt_wait_code(holder), -100 - EXIT_KILLED);
	for (int tries = 0; tries < 100 && kq_count() != before; tries++)
		ksleep_ns(5 * 1000 * 1000); /* the reaper retries every tick */
	KT_EQ(kq_count(), before);
	return 0;
}

/* Calls waiting for a process that dies (their requests still in its
 * queue) end with -VDS_EDEAD: the caller learns of the death from the
 * kernel-owned registry. */
int test_queue_dead_receiver(void)
{
	int victim = kt_spawnl("qtest", "spin", NULL);
	KT_ASSERT(victim > 0);
	char id[16];
	snprintf(id, sizeof(id), "%d", victim);
	int sender = kt_spawnl("qtest", "callwait", id, "5", NULL);
	KT_ASSERT(sender > 0);
	const struct vds_qref *vq = kq_ref(victim);
	KT_ASSERT(vq != NULL);
	for (int tries = 0; tries < 500 && VDS(q_len)(vq) < 5; tries++)
		ksleep_ns(1000 * 1000); /* until the 5 requests are queued */
	KT_EQ(VDS(q_len)(vq), 5);
	KT_EQ(proc_kill_pid(victim, EXIT_KILLED), 0);
	KT_EQ(kt_wait_code(victim), -100 - EXIT_KILLED);
	KT_EQ(kt_wait_code(sender), 0);
	return 0;
}
