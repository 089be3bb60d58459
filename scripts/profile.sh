#!/usr/bin/env bash
# `make profile`: where the instructions of one benchmark operation go, per
# hart and per function, across the kernel, the vDSO (at the kernel's base
# and at each process's) and each user program. The plugin (bench/plugin.c)
# records, for window K of user/bin/bench.c, how often every translation
# block ran and where markers inside blocks cut them; scripts/profile-attr.pl
# counts every instruction address and names the functions.
#
# usage: scripts/profile.sh [WINDOW] [CPUS]     (make profile WINDOW=2 CPUS=1)
#   windows: 1 classic ecall, 2 SQE null syscall, 3 SQE batches of 32,
#            4 IPC round trip, 5 vDSO clock, 6 pipe, 7 cat | wc,
#            8 the kernel's user copies (per KiB; lab fastcopy)
set -uo pipefail
cd "$(dirname "$0")/.."
B=build
K=${1:-2}
CPUS=${2:-1}
BIOS=$(ls /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin 2>/dev/null || echo default)
out=$B/profile-serial.log
log=$B/profile-plugin.log
rm -f "$out" "$log"
timeout 300 qemu-system-riscv64 -machine virt -bios "$BIOS" -kernel $B/kernel.elf -m 256M \
	-smp "$CPUS" -nographic -monitor none -serial stdio \
	-plugin "$B/bench/plugin.so,profile=$K" -d plugin -D "$log" \
	-append "bench window=$K ncpu=$CPUS" </dev/null | tr -d '\r' >"$out"

calls=$(sed -n "s/^bench: window $K .*: \([0-9]*\) calls.*/\1/p" "$out" | head -1)
what=$(sed -n "s/^bench: window $K \(.*\): [0-9]* calls.*/\1/p" "$out" | head -1)
if [ -z "$calls" ] || ! grep -q '^prof:' "$log"; then
	echo "profile: window $K did not run (see $out and $log)" >&2
	exit 1
fi
kcpu=$(sed -n 's/^hart \([0-9]*\) is cpu 0.*/\1/p' "$out" | head -1)
# How far the vDSO's code reaches from its base (its first LOAD segment).
vspan=$(riscv64-linux-gnu-readelf -lW $B/vdso/vdso.so | awk '$1 == "LOAD" { print $6; exit }')

# Every instruction address counted, sorted into its image and named.
scripts/profile-attr.pl "$out" "$log" "$calls" "$B" "$vspan" >"$B/profile.txt" || exit 1

echo "== make profile: window $K, $what, $CPUS hart(s): instructions per call, by function"
[ -n "$kcpu" ] && [ "$CPUS" -gt 1 ] && echo "   (hart $kcpu serves the kernel's queue)"
cat "$B/profile.txt"
echo "(functions under 0.5 instructions per call left out; user@NAME: the program NAME;"
echo " raw data: $log)"
