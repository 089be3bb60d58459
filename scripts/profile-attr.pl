#!/usr/bin/env perl
# The plugin's profile of one window (bench/plugin.c, profile=K) turned into
# instructions per call by function, per hart (scripts/profile.sh; the
# plugin's test in scripts/run-tests.sh).
#
# usage: profile-attr.pl SERIAL_LOG PLUGIN_LOG CALLS BUILD_DIR VDSO_SPAN
#
# Each "prof" line says how often a translation block ran and the size of
# each of its instructions; each "profadj" line, that from one instruction
# of a block on (after a marker inside it) it ran that many more (or fewer)
# times. Together: a count for every instruction address. Each address is
# sorted into its image (the kernel, the vDSO at the kernel's base or at a
# process's, as the serial log gives them, the user program) and named by
# addr2line: the innermost function, so code the compiler inlined counts
# under the inlined function's name.
use strict;
use warnings;
no warnings 'portable'; # 64-bit addresses

my ($serial, $log, $calls, $B, $vspan) = @ARGV;
$vspan = hex($vspan);
my %base;
open(my $s, "<", $serial) or die "$serial: $!";
while (<$s>) {
	$base{"vdso\@$1"} = hex($2) if /^bench: vdso pid \d+ (\S+) base (0x[0-9a-f]+)/;
	$base{"vdso\@kernel"} = hex($1) if /^bench: kernel vdso base (0x[0-9a-f]+)/;
}
close($s);

sub region {
	my ($pc) = @_;
	for my $who (keys %base) {
		return ($who, $pc - $base{$who}) if $pc >= $base{$who} && $pc < $base{$who} + $vspan;
	}
	return ("opensbi", $pc) if $pc >= 0x80000000 && $pc < 0x80200000; # M-mode: SBI calls, IPIs
	return ("kernel", $pc) if $pc >= 0x80200000 && $pc < 0x100000000;
	return ("trampoline", $pc) if $pc >= 0x3ffffff000;
	return ("user", $pc) if $pc < 0x1000000000;
	return ("?", $pc);
}

my %count; # cpu -> region -> offset -> instructions
open(my $l, "<", $log) or die "$log: $!";
while (<$l>) {
	next unless /^prof(?:adj)?: vcpu (\d+) pc (0x[0-9a-f]+) from (\d+) runs (-?\d+) sizes (\d+)/;
	my ($cpu, $pc, $from, $runs, $sizes) = ($1, hex($2), $3, $4, $5);
	my ($region, $off) = region($pc);
	my $i = 0;
	for my $size (split //, $sizes) {
		$count{$cpu}{$region}{$off} += $runs if $i >= $from;
		$off += $size;
		$i++;
	}
}
close($l);

my %elf = (kernel => "$B/kernel.elf", user => "$B/user/bench");
my (%by, %total);
for my $cpu (keys %count) {
	for my $region (keys %{$count{$cpu}}) {
		my $e = $region =~ /^vdso/ ? "$B/vdso/vdso.so" : $elf{$region};
		my @offs = sort { $a <=> $b } keys %{$count{$cpu}{$region}};
		my @names = map { "?" } @offs;
		if ($e && @offs) {
			my $list = "$B/profile-addrs.txt";
			open(my $a, ">", $list) or die "$list: $!";
			printf $a "0x%x\n", $_ for @offs;
			close($a);
			my @out = `riscv64-unknown-elf-addr2line -f -e $e < $list`;
			@names = map { my $f = $out[2 * $_] // "?"; chomp $f; $f } 0 .. $#offs;
		}
		for my $i (0 .. $#offs) {
			my $n = $count{$cpu}{$region}{$offs[$i]};
			$by{$cpu}{"$region $names[$i]"} += $n;
			$total{$cpu} += $n;
		}
	}
}
for my $cpu (sort { $a <=> $b } keys %total) {
	printf "hart %d: %.1f instructions per call\n", $cpu, $total{$cpu} / $calls;
	my $h = $by{$cpu};
	my %img; # the same, by image
	for my $k (keys %$h) {
		$img{(split / /, $k)[0]} += $h->{$k};
	}
	my @imgs = grep { abs($img{$_} / $calls) >= 0.5 } sort { $img{$b} <=> $img{$a} || $a cmp $b } keys %img;
	printf "  by image: %s\n", join(", ", map { sprintf "%s %.1f", $_, $img{$_} / $calls } @imgs) if @imgs;
	for my $k (sort { $h->{$b} <=> $h->{$a} || $a cmp $b } keys %$h) {
		my ($region, $f) = split / /, $k;
		printf "  %8.1f  %-16s %s\n", $h->{$k} / $calls, $region, $f if abs($h->{$k} / $calls) >= 0.5;
	}
}
