/*
 * Plain-C macros for writing vDSO code, and the internal declarations every
 * vdso/ file shares. See docs/VDSO.md.
 *
 *   VDS_LOCAL   data with one private copy per address space (.data/.bss)
 *   VDS_SHARED  data with one copy for all address spaces (.vds_shared)
 *   VDS_API     a function exported by name (must be listed in vdso_api.def)
 *
 * vdso/ is compiled with -fvisibility=hidden: every symbol not marked VDS_API
 * is hidden, so the compiler reaches data PC-relatively and the code runs
 * unchanged at any base, with no relocations.
 */
#ifndef VDSO_VDSO_H
#define VDSO_VDSO_H

#include <stddef.h>
#include <stdint.h>
#include <vdsos/errno.h>
#include <vdsos/host.h>

#define VDS_LOCAL        /* .data/.bss: local by default; the marker documents intent */
#define VDS_SHARED       __attribute__((section(".vds_shared")))
#define VDS_API          __attribute__((visibility("default")))

#define VDS_CO_STACK_MIN 4096

struct coro;
struct co_event;

/* coro.c */
void vds_exec_init(const struct vds_host_ops *host);
const struct vds_host_ops *vds_host(void);
int vds_co_spawn(void (*fn)(void *), void *arg, const char *name, size_t stack_size);
struct coro *vds_co_self(void);
void vds_co_yield(void);
void vds_co_block(void);
void vds_co_make_ready(struct coro *co);
void vds_event_wait(struct co_event *ev);
void vds_event_signal(struct co_event *ev);
int vds_exec_has_work(void);
uint32_t vds_exec_live(void);
int vds_exec_run(void);

#endif
