#!/usr/bin/env bash
# `make bench`: boot the kernel in bench mode under -icount shift=0 (where
# instret counts guest instructions, not host time) on 1 and on 4 harts, and
# print its figures; then the host benchmarks; then code sizes.
set -uo pipefail
cd "$(dirname "$0")/.."
B=build
BIOS=$(ls /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin 2>/dev/null || echo default)
# qemu_bench CPUS EXTRA-QEMU-FLAGS BOOTARGS
qemu_bench() {
	timeout 600 qemu-system-riscv64 -machine virt -bios "$BIOS" -kernel $B/kernel.elf \
		-m 256M -smp "$1" $2 -nographic -monitor none -serial stdio \
		-append "bench ncpu=$1 $3" </dev/null | tr -d '\r' | grep '^bench:' | sed 's/^bench: /  /'
}
for cpus in 1 4; do
	echo "== QEMU -smp $cpus -icount shift=0: instructions counted exactly"
	qemu_bench $cpus "-icount shift=0" ""
done
echo "   (under -icount QEMU runs the harts in turn on one host thread: a caller that"
echo "    polls for the kernel's reply cannot overlap with the kernel's hart, so its"
echo "    multi-hart counts include that polling; the next run is truly parallel)"
echo "== QEMU -smp 4, harts in parallel (no -icount): time per call, and traps"
qemu_bench 4 "" "time"
echo "== host: the receive queue against Concurrency Kit's ck_ring"
$B/queue_bench | sed 's/^/  /'
echo "== code sizes (bytes)"
riscv64-unknown-elf-size -A $B/kernel.elf | awk '
	$1 == ".text" {t = $2} $1 == ".rodata" {r = $2} $1 == ".data" {d = $2} $1 == ".bss" {b = $2}
	END {printf "  kernel: text %d, rodata %d (initrd and vDSO image included), data %d, bss %d\n", t, r, d, b}'
riscv64-unknown-elf-size -A $B/vdso/vdso.so | awk '
	$1 == ".text" {t = $2} $1 == ".rodata" {r = $2} $1 == ".data" {d = $2} $1 == ".bss" {b = $2}
	$1 == ".vds_shared" {s = $2} END {printf "  vDSO:   text %d, rodata %d, local data %d+%d, shared data %d\n", t, r, d, b, s}'
