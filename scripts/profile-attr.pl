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
# under the inlined function's name. Processes run different programs at
# the same addresses: a user block is the program's (of those the serial
# log names) whose bytes there hash as the block's did in the plugin.
use strict;
use warnings;
use List::Util qw(first);
no warnings 'portable'; # 64-bit addresses

my ($serial, $log, $calls, $B, $vspan) = @ARGV;
$vspan = hex($vspan);
my %base;
my @progs = ("bench"); # the programs that ran, bench first
open(my $s, "<", $serial) or die "$serial: $!";
while (<$s>) {
	if (/^bench: vdso pid (\d+) (\S+) base (0x[0-9a-f]+)/) {
		# a second process of the same program: vdso@NAME-PID
		my $who = exists $base{"vdso\@$2"} ? "vdso\@$2-$1" : "vdso\@$2";
		$base{$who} = hex($3);
		push @progs, $2 unless grep { $_ eq $2 } @progs;
	}
	$base{"vdso\@kernel"} = hex($1) if /^bench: kernel vdso base (0x[0-9a-f]+)/;
}
close($s);

# A program's loaded segments: [vaddr, file offset, size in the file].
my %segs;
sub segments {
	my ($prog) = @_;
	return $segs{$prog} if $segs{$prog};
	my @l;
	if (open(my $r, "-|", "riscv64-unknown-elf-readelf", "-lW", "$B/user/$prog")) {
		while (my $line = <$r>) { # not $_: our callers' $_ is a program's name
			my @f = split " ", $line; # LOAD offset vaddr paddr filesz memsz ...
			push @l, [hex($f[2]), hex($f[1]), hex($f[4])] if @f > 4 && $f[0] eq "LOAD";
		}
		close($r);
	}
	warn "profile-attr.pl: $B/user/$prog: no loaded segments; its code shows as `user`\n"
	    unless @l;
	return $segs{$prog} = \@l;
}

# FNV-1a (32 bits) of the len bytes at vaddr in prog's file, as the plugin
# hashes a block; undef if they are not all in one loaded segment.
sub fnv {
	my ($prog, $vaddr, $len) = @_;
	for my $seg (@{segments($prog)}) {
		my ($va, $off, $size) = @$seg;
		next unless $vaddr >= $va && $vaddr + $len <= $va + $size;
		open(my $f, "<:raw", "$B/user/$prog") or return undef;
		seek($f, $off + $vaddr - $va, 0);
		read($f, my $bytes, $len) == $len or return undef;
		close($f);
		my $h = 2166136261;
		$h = (($h ^ $_) * 16777619) % 4294967296 for unpack("C*", $bytes);
		return $h;
	}
	return undef;
}

# Which program a user block is from: user@NAME, or "user" if none.
my %which;
sub program {
	my ($pc, $sizes, $hash) = @_;
	my $len = 0;
	$len += $_ for split //, $sizes;
	my $key = "$pc $len $hash";
	return $which{$key} //= do {
		my $p = first { (fnv($_, $pc, $len) // -1) == $hash } @progs;
		$p ? "user\@$p" : "user";
	};
}

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
	next unless /^prof(?:adj)?: vcpu (\d+) pc (0x[0-9a-f]+) from (\d+) runs (-?\d+) sizes (\d+) hash ([0-9a-f]+)/;
	my ($cpu, $pc, $from, $runs, $sizes, $hash) = ($1, hex($2), $3, $4, $5, hex($6));
	my ($region, $off) = region($pc);
	$region = program($pc, $sizes, $hash) if $region eq "user";
	my $i = 0;
	for my $size (split //, $sizes) {
		$count{$cpu}{$region}{$off} += $runs if $i >= $from;
		$off += $size;
		$i++;
	}
}
close($l);

my %elf = (kernel => "$B/kernel.elf");
$elf{"user\@$_"} = "$B/user/$_" for @progs;
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
