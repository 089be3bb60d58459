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

/* What sys_spawnx() starts. The child finds argv in a1 and its environment
 * after argv's NULL (envp = argv + argc + 1), as on Unix. */
struct vds_spawn {
	char *const *argv; /* argc strings; argv[0] is the child's name */
	char *const *envp; /* envc strings "NAME=value", or NULL */
	const void *image; /* an ELF in the caller's memory, or NULL: argv[0] from the initrd */
	uint64_t image_size;
	int32_t argc, envc;
};

#define VDS_SPAWN_ARGS     16        /* argv entries at most */
#define VDS_SPAWN_ARGLEN   128       /* bytes per argv string, NUL included */
#define VDS_SPAWN_ENVS     16        /* environment entries at most */
#define VDS_SPAWN_ENVLEN   512       /* bytes per environment string, NUL included */
#define VDS_SPAWN_IMAGEMAX (1 << 20) /* bytes of an ELF image from memory */
#define VDS_INITRD_NAME    32        /* bytes of an initrd program name (sys_initrd) */

/* One process in sys_ps(). */
struct vds_psinfo {
	int32_t pid, ppid;
	int32_t state;      /* VDS_PS_* */
	int32_t cpu;        /* hart index running it, or -1 */
	uint64_t ticks;     /* timer ticks it ran */
	uint64_t doorbells; /* doorbell traps it made */
	char name[16];
};

/* The machine at a glance: sys_sysinfo(), the system call of lab sysinfo
 * (docs/labs/sysinfo.md). */
struct vds_sysinfo {
	uint64_t free_bytes; /* physical memory on the kernel's free list */
	uint64_t uptime_ns;  /* the monotonic clock, as sys_clock() reads it */
	uint32_t nproc;      /* processes that exist, as sys_ps() lists them */
	uint32_t ncpu;       /* harts the kernel runs on */
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
