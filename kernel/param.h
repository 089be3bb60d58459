/* Kernel tunables. Every number the kernel uses lives here, with its reason. */
#ifndef KERNEL_PARAM_H
#define KERNEL_PARAM_H

#define NCPU_MAX          8             /* harts: the kernel runs on -smp 1 up to -smp 8 */
#define NPROC             64            /* process slots; slot 0 stands for the kernel itself */
#define HART_STACK_PAGES  4             /* per-hart trap/scheduler stack (16 KiB) */
#define KCORO_STACK_PAGES 4             /* each kernel coroutine's stack (16 KiB) */
#define TICK_HZ           100           /* scheduler tick: 10 ms time slices */
#define KHEAP_PAGES       1024          /* kernel heap (picolibc malloc) arena: 4 MiB */
#define MAXARG            16            /* argv entries passed to a new process */
#define MAXARGLEN         128           /* bytes per argv string, NUL included */
#define PROC_NAME_LEN     16            /* process name (argv[0]) as ps shows it */
#define USTACK_PAGES      16            /* main-thread user stack: 64 KiB */
#define UHEAP_MAX         (256UL << 20) /* a process's heap may grow to 256 MiB */
#define MAX_USER_ELF      (4UL << 20)   /* largest program image the loader accepts */
#define CHILDREN_MAX      32            /* live children a process may have (spawn: -EAGAIN) */
#define BLOCKING_MAX      16            /* its calls that block, in flight at once (-EAGAIN) */

#endif
