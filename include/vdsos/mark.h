/*
 * Marker instructions for the instruction-counting plugin (bench/plugin.c,
 * docs/BENCH.md). `slti x0, x0, N` writes x0, so it does nothing: a HINT
 * that costs one instruction and that the plugin sees execute.
 *
 *   VDS_MARK_BEGIN(k), VDS_MARK_END(k)   bracket window k (1 <= k < 1000)
 *   VDS_MARK_SPIN_BEGIN(), ..._END()     bracket polling an empty queue,
 *                                        reported apart from real work
 */
#ifndef VDSOS_MARK_H
#define VDSOS_MARK_H

#if defined(__riscv)
#define VDS_MARK(n) __asm__ volatile("slti x0, x0, %0" ::"i"(n) : "memory")
#else
#define VDS_MARK(n) ((void)0) /* host builds: no plugin */
#endif
#define VDS_MARK_BEGIN(k)     VDS_MARK(2 * (k))
#define VDS_MARK_END(k)       VDS_MARK(2 * (k) + 1)
#define VDS_MARK_SPIN_BEGIN() VDS_MARK(2000)
#define VDS_MARK_SPIN_END()   VDS_MARK(2001)

#endif
