#!/usr/bin/env bash
# `make bench` (docs/BENCH.md):
#   1. one hart under QEMU -icount shift=0, where instret counts guest
#      instructions exactly: the kernel's own figures and the user bench;
#   2. two and four harts running in parallel (no -icount), counted per hart
#      by the plugin (bench/plugin.c) between the bench's marker
#      instructions: the caller's hart and the kernel's hart separately,
#      with the instructions spent polling an empty queue apart;
#   3. the host queue against Concurrency Kit's ck_ring;
#   4. code sizes.
set -uo pipefail
cd "$(dirname "$0")/.."
B=build
# Everything printed also goes to build/bench.txt (make figures puts it in
# docs/FIGURES.md).
exec > >(tee $B/bench.txt)
BIOS=$(ls /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin 2>/dev/null || echo default)

# qemu_run CPUS EXTRA-QEMU-FLAGS: boot in bench mode, serial to stdout.
qemu_run() {
	timeout 600 qemu-system-riscv64 -machine virt -bios "$BIOS" -kernel $B/kernel.elf \
		-m 256M -smp "$1" $2 -nographic -monitor none -serial stdio \
		-append "bench ncpu=$1" </dev/null | tr -d '\r'
}

echo "== QEMU -smp 1 -icount shift=0: instructions counted exactly (instret)"
qemu_run 1 "-icount shift=0" | grep '^bench:' | grep -v 'vdso pid\|vdso base' |
	sed 's/^bench: window [0-9]* /bench: /; s/^bench: /  /'

for cpus in 2 4; do
	echo "== QEMU -smp $cpus, harts in parallel: instructions per call on each hart (plugin)"
	log=$B/bench-plugin-$cpus.log
	rm -f "$log"
	qemu_run $cpus "-plugin $B/bench/plugin.so -d plugin -D $log" >$B/bench-serial-$cpus.log
	perl -e '
	my ($serial, $log) = @ARGV;
	my (%name, %calls, %traps, $khart);
	open(my $s, "<", $serial) or die;
	while (<$s>) {
		$khart = $1 if /^hart (\d+) is cpu 0/;
		if (/^bench: window (\d+) (.*): (\d+) calls, \d+ instructions, ([0-9.]+) traps/) {
			($name{$1}, $calls{$1}, $traps{$1}) = ($2, $3, $4);
		}
	}
	my %w;
	open(my $l, "<", $log) or die;
	while (<$l>) {
		next unless /^plugin: window (\d+) vcpu (\d+) insns (\d+) spin (\d+)( marker)?/;
		$w{$1}{$2} = [$3, $4, defined $5];
	}
	for my $k (sort { $a <=> $b } keys %name) {
		my $n = $calls{$k};
		next unless $n && $w{$k};
		my @parts;
		for my $v (sort { $a <=> $b } keys %{$w{$k}}) {
			my ($insns, $spin, $caller) = @{$w{$k}{$v}};
			my $who = $caller ? "caller" : defined $khart && $v == $khart ? "kernel" : "other";
			next if $who ne "caller" && $insns < $n;
			my $work = $insns > $spin ? ($insns - $spin) / $n : 0; # other harts are sampled per block
			my $p = sprintf("%s hart %d: %.0f", $who, $v, $work);
			$p .= sprintf(" (+%.0f polling)", $spin / $n) if $spin / $n >= 1;
			push @parts, $p;
		}
		printf "  %-36s %s; %s traps\n", $name{$k}, join(", ", @parts), $traps{$k};
	}
	' $B/bench-serial-$cpus.log "$log"
	grep '^bench: throughput' $B/bench-serial-$cpus.log |
		sed 's/^bench: /  /; s/by the guest clock/by TCG wall time (host-dependent)/'
done
echo "   (instructions per call on each hart between the markers; \"polling\": spent"
echo "    looking at an empty queue, reported apart; traps: doorbells per call)"

echo "== host: the receive queue against Concurrency Kit's ck_ring"
$B/queue_bench | sed 's/^/  /'
echo "== code sizes (bytes)"
riscv64-unknown-elf-size -A $B/kernel.elf | awk '
	$1 == ".text" {t = $2} $1 == ".rodata" {r = $2} $1 == ".data" {d = $2} $1 == ".bss" {b = $2}
	END {printf "  kernel: text %d, rodata %d (initrd and vDSO image included), data %d, bss %d\n", t, r, d, b}'
riscv64-unknown-elf-size -A $B/vdso/vdso.so | awk '
	$1 == ".text" {t = $2} $1 == ".rodata" {r = $2} $1 == ".data" {d = $2} $1 == ".bss" {b = $2}
	$1 == ".vds_shared" {s = $2} END {printf "  vDSO:   text %d, rodata %d, local data %d+%d, shared data %d\n", t, r, d, b, s}'
