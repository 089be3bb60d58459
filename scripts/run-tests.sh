#!/usr/bin/env bash
# `make test`: the host tests, then the in-kernel suite booted with -smp 1,
# -smp 4 and -smp 8. Every suite prints KTAP lines (`ok N name` / `not ok N name`); this
# script counts them, treats a crash, a timeout or a short run as failures,
# and ends with "N passed, N failed". Logs: build/test-*.log.
set -uo pipefail
cd "$(dirname "$0")/.."
B=build
QEMU=qemu-system-riscv64
BIOS=$(ls /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin 2>/dev/null || echo default)
total_pass=0
total_fail=0

# count LOG NAME STATUS: add a suite's results to the totals.
count() {
	local log=$1 name=$2 status=$3
	local plan ok notok
	plan=$(tr -d '\r' <"$log" | sed -n 's/^1\.\.\([0-9]*\)$/\1/p' | head -1)
	ok=$(tr -d '\r' <"$log" | grep -cE '^ok [0-9]+ ')
	notok=$(tr -d '\r' <"$log" | grep -cE '^not ok [0-9]+ ')
	tr -d '\r' <"$log" | grep -E '^not ok [0-9]+ ' | sed "s/^/  [$name] /"
	if [ -z "$plan" ]; then
		echo "  [$name] no test plan printed (crash before the tests?)"
		notok=$((notok + 1))
	elif [ $((ok + notok)) -lt "$plan" ]; then
		echo "  [$name] only $((ok + notok)) of $plan tests ran"
		notok=$((notok + plan - ok - notok))
	fi
	if [ "$status" -ne 0 ] && [ "$notok" -eq 0 ]; then
		echo "  [$name] exited with status $status"
		notok=1
	fi
	echo "$name: $ok passed, $notok failed (log: $log)"
	total_pass=$((total_pass + ok))
	total_fail=$((total_fail + notok))
}

# One line typed on the serial port: it waits in the console's buffer, having
# come through the UART's receive interrupt and the PLIC, until the test
# sys_uart_input reads it (kernel/test/test_sys.c).
SERIAL_INPUT='typed on the serial line'

# type_after_plan LOG: print the serial input once the kernel has printed its
# test plan (at most a minute after QEMU starts). Typed earlier, the
# firmware's UART set-up would swallow it.
type_after_plan() {
	local log=$1 tries=1200
	while [ $tries -gt 0 ] && ! grep -q '^1\.\.' "$log" 2>/dev/null; do
		sleep 0.05
		tries=$((tries - 1))
	done
	printf '%s\r' "$SERIAL_INPUT"
}

# qemu_suite CPUS MEM_MIB TIMEOUT_S
qemu_suite() {
	local cpus=$1 mem=$2 secs=$3 log=$B/test-smp$1.log
	rm -f "$log"
	type_after_plan "$log" | timeout "$secs" $QEMU -machine virt -bios "$BIOS" \
		-kernel $B/kernel.elf -m "${mem}M" -smp "$cpus" -nographic -monitor none \
		-serial stdio -append "test ncpu=$cpus mem=$mem" >"$log" 2>&1
	local st=${PIPESTATUS[1]}
	[ $st -eq 124 ] && echo "  [smp$cpus] timed out after ${secs}s" && echo "not ok 0 timeout" >>"$log"
	count "$log" "smp$cpus" $st
}

host_suite() {
	local log=$B/test-host.log
	make -s host-test >"$log" 2>&1
	count "$log" host $?
}

host_suite
qemu_suite 1 128 240
qemu_suite 4 256 240
qemu_suite 8 256 240 # the most harts the kernel supports (NCPU_MAX)
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
