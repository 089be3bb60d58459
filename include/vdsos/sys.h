/*
 * What a vdsOS program includes: system calls (declared once, in
 * syscalls.def), their types, error codes, IPC and the vDSO API.
 */
#ifndef VDSOS_SYS_H
#define VDSOS_SYS_H

#include <stddef.h>
#include <stdint.h>
#include <vdsos/abi.h>
#include <vdsos/errno.h>
#include <vdsos/sqe.h>
#include <vdsos/vdso.h>

/* How a process ended (sys_wait). */
struct vds_exit {
	int32_t code;    /* exit(code); -1 when killed */
	int32_t reason;  /* VDS_EXIT_* */
	uint64_t scause; /* for VDS_EXIT_FAULT: the trap cause */
	uint64_t stval;
};

/* VDS_EXIT_* (the reason) and VDS_DB_* (the doorbell): include/vdsos/abi.h */

/* One process in sys_ps(). */
struct vds_psinfo {
	int32_t pid, ppid;
	int32_t state;      /* VDS_PS_* */
	int32_t cpu;        /* hart index running it, or -1 */
	uint64_t ticks;     /* timer ticks it ran */
	uint64_t doorbells; /* doorbell traps it made */
	char name[16];
};

#define VDS_PS_RUNNABLE 1
#define VDS_PS_RUNNING  2
#define VDS_PS_BLOCKED  3
#define VDS_PS_EXITING  4
#define VDS_PS_ZOMBIE   5

enum vds_sys {
#define SYS(nr, name, blocks, ret, params, args, doc) VDS_SYS_##name = nr,
#include <vdsos/syscalls.def>
#undef SYS
	VDS_NSYS
};

/* Wrappers: each sends one SQE to the kernel and waits for the reply. */
#define SYS(nr, name, blocks, ret, params, args, doc) ret sys_##name params;
#include <vdsos/syscalls.def>
#undef SYS

/* The message tags the runtime uses are below this; programs may use the rest. */
#define VDS_OP_USER 1000

/* Error names and messages (lib/strerror.c). */
const char *vds_strerror(int err);
const char *vds_errname(int err);

#endif
