#!/usr/bin/env bash
# `make profile`: where the instructions of one benchmark operation go, per
# hart and per function, across the kernel, the vDSO (at the kernel's base
# and at each process's) and the user program. The plugin (bench/plugin.c)
# records, for window K of user/bin/bench.c, the instructions of every
# translation block by its first address; this script names the functions.
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

# The rest in perl (part of every Debian system): 64-bit addresses, and
# addr2line for names. For each block: its image (the kernel, the vDSO at
# some process's base, the user program), then its function.
perl -e '
use strict;
my ($serial, $log, $calls, $B, $vspan) = @ARGV;
$vspan = hex($vspan);
my (%base, %blocks);
open(my $s, "<", $serial) or die;
while (<$s>) {
	$base{"vdso\@$1"} = hex($2) if /^bench: vdso pid \d+ (\S+) base (0x[0-9a-f]+)/;
	$base{"vdso\@kernel"} = hex($1) if /^bench: kernel vdso base (0x[0-9a-f]+)/;
}
open(my $l, "<", $log) or die;
while (<$l>) {
	next unless /^prof: vcpu (\d+) pc (0x[0-9a-f]+) insns (\d+)/;
	my ($cpu, $pc, $n) = ($1, hex($2), $3);
	my ($region, $off) = ("", $pc);
	for my $who (keys %base) {
		($region, $off) = ($who, $pc - $base{$who}) if $pc >= $base{$who} && $pc < $base{$who} + $vspan;
	}
	if ($region eq "") {
		$region = $pc >= 0x80000000 && $pc < 0x80200000 ? "opensbi" # M-mode: SBI calls, IPIs
		        : $pc >= 0x80200000 && $pc < 0x100000000 ? "kernel"
		        : $pc >= 0x3ffffff000 ? "trampoline" : $pc < 0x1000000000 ? "user" : "?";
	}
	$blocks{$cpu}{$region}{$off} += $n;
}
my %elf = (kernel => "$B/kernel.elf", user => "$B/user/bench");
my (%fn, %total, %by);
for my $cpu (keys %blocks) {
	for my $region (keys %{$blocks{$cpu}}) {
		my $e = $region =~ /^vdso/ ? "$B/vdso/vdso.so" : $elf{$region};
		my @offs = keys %{$blocks{$cpu}{$region}};
		my @names = map { "?" } @offs;
		if ($e) {
			my $args = join(" ", map { sprintf("0x%x", $_) } @offs);
			my @out = `riscv64-unknown-elf-addr2line -f -e $e $args`;
			@names = map { my $f = $out[2 * $_]; chomp $f; $f } 0 .. $#offs;
		}
		for my $i (0 .. $#offs) {
			my $n = $blocks{$cpu}{$region}{$offs[$i]};
			$by{$cpu}{"$region $names[$i]"} += $n;
			$total{$cpu} += $n;
		}
	}
}
for my $cpu (sort { $a <=> $b } keys %total) {
	printf "hart %d: %.1f instructions per call\n", $cpu, $total{$cpu} / $calls;
	my $h = $by{$cpu};
	for my $k (sort { $h->{$b} <=> $h->{$a} } keys %$h) {
		my ($region, $f) = split / /, $k;
		printf "  %8.1f  %-16s %s\n", $h->{$k} / $calls, $region, $f if $h->{$k} / $calls >= 0.5;
	}
}
' "$out" "$log" "$calls" "$B" "$vspan" >"$B/profile.txt"

echo "== make profile: window $K, $what, $CPUS hart(s): instructions per call, by function"
[ -n "$kcpu" ] && [ "$CPUS" -gt 1 ] && echo "   (hart $kcpu serves the kernel's queue)"
cat "$B/profile.txt"
echo "(functions under 0.5 instructions per call left out; the user program's symbols are"
echo " bench's; raw data: $log)"
