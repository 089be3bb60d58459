/*
 * The doorbell: the only ecall in all of user space (docs/IPC.md). The kernel
 * refuses an ecall from anywhere else (Zircon's rule); it knows this one by
 * its offset in the image, generated from the built image into
 * build/vdso/offsets.h by scripts/vdso-offsets.sh, which also fails the
 * build if the image holds any other ecall.
 *
 *   long vds_doorbell(long op, long id)   op: VDS_DB_* (include/vdsos/abi.h)
 *   void vds_db_wake(int id)              the host ops of a process point
 *   void vds_db_wait(int wake_id)         straight at these three
 *   void vds_db_yield(int wake_id)
 */
#include <vdsos/abi.h>

	.text
	.globl vds_db_wake
	.type vds_db_wake, @function
vds_db_wake:
	mv	a1, a0
	li	a0, VDS_DB_WAKE
	j	vds_doorbell
	.size vds_db_wake, . - vds_db_wake

	.globl vds_db_wait
	.type vds_db_wait, @function
vds_db_wait:
	mv	a1, a0
	li	a0, VDS_DB_WAIT
	j	vds_doorbell
	.size vds_db_wait, . - vds_db_wait

	.globl vds_db_yield
	.type vds_db_yield, @function
vds_db_yield:
	mv	a1, a0
	li	a0, VDS_DB_YIELD
	j	vds_doorbell
	.size vds_db_yield, . - vds_db_yield

	.globl vds_doorbell
	.type vds_doorbell, @function
vds_doorbell:
	li	a7, VDS_DOORBELL_MAGIC
	ecall
	ret
	.size vds_doorbell, . - vds_doorbell
