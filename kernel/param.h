/*
 * Kernel tunables: the kernel's limits and sizes (harts, processes, stacks,
 * heaps) and its tick, each with what it governs. Some must agree with
 * code elsewhere: NPROC is VDS_NSLOTS, one process slot per outbox (proc.c
 * checks); HART_STACK_PAGES may not exceed KCORO_STACK_PAGES, the size of a
 * slot of the kernel stack window (vm.c); PROC_NAME_LEN is the size of
 * struct vds_psinfo's name, which sys_ps copies whole; NCPU_MAX is the most
 * harts make test boots (scripts/run-tests.sh). Numbers that belong to one
 * file (a batch size, a buffer) are defined in that file.
 */
#ifndef KERNEL_PARAM_H
#define KERNEL_PARAM_H

#include <vdsos/sys.h> /* the limits of spawn are ABI */

#define NCPU_MAX          8                /* harts at most (sizes cpus[] and the boot info) */
#define NPROC             64               /* process slots; slot 0 stands for the kernel itself */
#define HART_STACK_PAGES  4                /* per-hart trap/scheduler stack (16 KiB) */
#define KCORO_STACK_PAGES 4                /* each kernel coroutine's stack (16 KiB) */
#define TICK_HZ           100              /* scheduler tick: 10 ms time slices */
#define KHEAP_PAGES       1024             /* kernel heap (picolibc malloc) arena: 4 MiB */
#define MAXARG            VDS_SPAWN_ARGS   /* argv entries passed to a new process (more: -E2BIG) */
#define MAXARGLEN         VDS_SPAWN_ARGLEN /* bytes per argv string, NUL included (more: -E2BIG) */
#define MAXENV            VDS_SPAWN_ENVS   /* environment strings (more: -E2BIG) */
#define MAXENVLEN         VDS_SPAWN_ENVLEN /* bytes per environment string (more: -E2BIG) */
#define PROC_NAME_LEN     16               /* process name (argv[0]) as ps shows it */
#define USTACK_PAGES      16               /* main-thread user stack: 64 KiB */
#define UHEAP_MAX         (256UL << 20)    /* a process's heap may grow to 256 MiB */
#define MAX_USER_ELF      (4UL << 20)      /* a program's segments lie in [USER_BASE, + 4 MiB) */
#define CHILDREN_MAX      32               /* children a process may have, zombies too (-EAGAIN) */
#define BLOCKING_MAX      16 /* a process's blocking calls in flight at once (-EAGAIN) */

_Static_assert(HART_STACK_PAGES <= KCORO_STACK_PAGES, "a hart stack must fit a window slot");
_Static_assert(PROC_NAME_LEN == sizeof(((struct vds_psinfo *)0)->name), "ps copies the name whole");

#endif
