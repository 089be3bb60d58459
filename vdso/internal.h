/*
 * Writing vDSO code in plain C. Every file in vdso/ includes this.
 *
 *   VDS_LOCAL   data with a private copy per address space (.data/.bss)
 *   vds_sh      THE shared data: one object, the same pages everywhere; its
 *               layout, and who may write which part, is vdso/shared.h
 *   VDS_API     a function exported by name; it must be listed in api.def
 *   VDS_KAPI    a function only the kernel calls, by offset: vdso/kapi.def
 *
 * vdso/ is compiled with -fPIC -fvisibility=hidden: every symbol not marked
 * VDS_API is hidden, so the compiler reaches data PC-relatively and the code
 * runs unchanged at any base with no relocations (scripts/vdso-check.sh
 * fails the build otherwise). Shared data starts zeroed: its section is
 * NOLOAD in linker/vdso.ld, so initial values would be lost.
 */
#ifndef VDSO_INTERNAL_H
#define VDSO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <vdsos/vdso.h>
#include <vdsos/abi.h>
#include "shared.h"

#ifdef VDS_TESTING
/* Host tests run each thread as if it were its own address space. */
#define VDS_LOCAL __thread
#else
#define VDS_LOCAL /* .data/.bss are local by default; the marker documents intent */
#endif
#define VDS_SHARED __attribute__((section("vds_shared")))
#define VDS_API    __attribute__((visibility("default")))
#define VDS_KAPI   /* hidden, like everything not VDS_API: kapi.def */

/* Prototypes of everything the vDSO defines for others to call. Programs
 * do not get these: they call VDS(name), through the table vds_link fills. */
#define VDS_FN(ret, name, params) ret vds_##name params;
#include <vdsos/api.def>
#include "kapi.def"
#undef VDS_FN

#define VDS_CO_STACK_MIN 4096

/* Declarations of things defined elsewhere need hidden visibility spelled
 * out (-fvisibility=hidden covers definitions only), or the compiler would
 * reach them through the GOT, which needs relocations. */
#define VDS_HIDDEN __attribute__((visibility("hidden")))

/* vdso/shared.c: the shared data. */
extern VDS_HIDDEN struct vds_shared_area vds_sh;

static inline char *shared_base(void)
{
	return (char *)&vds_sh;
}

static inline size_t shared_size(void)
{
	return sizeof(vds_sh);
}

/* self.c: this address space's identity, filled by the kernel. */
extern VDS_HIDDEN VDS_LOCAL struct vds_self vds_self_block;

/* coro.c: for the message layer */
#include "coro.h"
extern VDS_HIDDEN VDS_LOCAL struct executor vds_ex;
struct coro *co_spawn_on(void *stack, size_t size, void (*fn)(void *), void *arg, const char *name);
void co_block(void);
void co_make_ready(struct coro *co);
void co_set_host(const struct vds_host_ops *host);

/* The running coroutine, NULL in the host's own context (a program's main). */
static inline struct coro *co_self(void)
{
	return vds_ex.current;
}

static inline const struct vds_host_ops *co_host(void)
{
	return vds_ex.host;
}

/* Is a coroutine ready to run (or woken from outside the executor)? */
static inline int exec_has_work(void)
{
	return vds_ex.ready_head != NULL ||
	       __atomic_load_n(&vds_ex.inbox, __ATOMIC_RELAXED) != NULL;
}

/*
 * Monotonic nanoseconds since boot (vds_clock_ns), inline: a loop that
 * watches the clock then calls nothing, so it needs no stack frame (the
 * pollers' watches pay no register saves on every entry). The time CSR is
 * readable in U-mode (the kernel sets scounteren.TM); the scale is in
 * kernel-owned data. Host tests have no time CSR: they supply
 * vds_clock_ns() themselves.
 */
uint64_t vds_clock_ns(void);
static inline uint64_t clock_now(void)
{
#if defined(__riscv)
	uint64_t t;
	__asm__ volatile("rdtime %0" : "=r"(t));
	uint64_t mult = __atomic_load_n(&vds_sh.k.clock.mult, __ATOMIC_RELAXED);
	return (uint64_t)(((unsigned __int128)t * mult) >> 32);
#else
	return vds_clock_ns();
#endif
}

/* A spinning look's pause (Zihintpause; a no-op on harts without it). */
static inline void spin_pause(void)
{
#if defined(__riscv)
	__asm__ volatile(".insn i 0x0f, 0, x0, x0, 0x010");
#endif
}

#endif
