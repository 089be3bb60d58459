#!/usr/bin/env bash
# `make test`: the host tests, the plugin's exactness, then the in-kernel
# suite booted with -smp 1, 2, 4 and 8. Every suite prints KTAP lines (`ok N name` / `not ok N name`); this
# script counts them, treats a crash, a timeout or a short run as failures,
# and ends with "N passed, N failed". Logs: build/test-*.log.
#
# ONLY=name[,name...] (make test ONLY=ipc_ping,sys_stress): just those
# in-kernel tests, on 1, 2, 4 and 8 harts; no host tests.
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
		-serial stdio -append "test ncpu=$cpus mem=$mem${ONLY:+ only=$ONLY}" >"$log" 2>&1
	local st=${PIPESTATUS[1]}
	[ $st -eq 124 ] && echo "  [smp$cpus] timed out after ${secs}s" && echo "not ok 0 timeout" >>"$log"
	count "$log" "smp$cpus" $st
}

# The instruction-counting plugin (bench/plugin.c) must count a loop of
# known length (kernel/bench.c: markloop, three times) exactly, on 2 harts,
# and its profile (make profile) must put every one of those instructions,
# and nothing else, in the loop's function. The profile of the IPC round
# trip on 1 hart must tell the two programs apart (bench and pong run at
# the same addresses): bench's loop in user@bench, pong's in user@pong.
plugin_suite() {
	local log=$B/test-plugin.log plog=$B/test-plugin-raw.log slog=$B/test-plugin-serial.log
	rm -f "$plog"
	timeout 120 $QEMU -machine virt -bios "$BIOS" -kernel $B/kernel.elf -m 256M -smp 2 \
		-nographic -monitor none -serial stdio -append "bench markloop ncpu=2" \
		-plugin $B/bench/plugin.so,profile=900 -d plugin -D "$plog" </dev/null >"$slog" 2>&1
	local st=$?
	local exact hart prof
	exact=$(grep -c '^plugin: window 900 vcpu [0-9]* insns 4002 spin 0 marker$' "$plog" 2>/dev/null)
	# The loop's hart's table (the other may wake for a tick meanwhile).
	hart=$(sed -n 's/^plugin: window 900 vcpu \([0-9]*\) .* marker$/\1/p' "$plog" | head -1)
	prof=$({ scripts/profile-attr.pl "$slog" "$plog" 3 "$B" 0 ||
		echo "profile-attr.pl failed"; } 2>&1 |
		awk -v h="hart ${hart:-x}:" '/^hart / { on = index($0, h) == 1; next } /^  by image:/ { next } on || !/^ /')
	local ilog=$B/test-plugin-ipc-raw.log islog=$B/test-plugin-ipc-serial.log calls vspan users
	rm -f "$ilog"
	timeout 120 $QEMU -machine virt -bios "$BIOS" -kernel $B/kernel.elf -m 256M -smp 1 \
		-nographic -monitor none -serial stdio -append "bench window=4 ncpu=1" \
		-plugin $B/bench/plugin.so,profile=4 -d plugin -D "$ilog" </dev/null >"$islog" 2>&1
	local ist=$?
	calls=$(sed -n 's/^bench: window 4 .*: \([0-9]*\) calls.*/\1/p' "$islog" | head -1)
	vspan=$(riscv64-linux-gnu-readelf -lW $B/vdso/vdso.so | awk '$1 == "LOAD" { print $6; exit }')
	users=$({ scripts/profile-attr.pl "$islog" "$ilog" "${calls:-1}" "$B" "${vspan:-0}" ||
		echo "profile-attr.pl failed"; } 2>&1 | awk '$2 ~ /^user/ { print $2, $3 }' | sort)
	{
		echo "1..3"
		if [ "$exact" = 3 ]; then
			echo "ok 1 plugin: a loop of 4002 instructions counted exactly, 3 times out of 3"
		else
			echo "not ok 1 plugin: want 3 windows of exactly 4002 instructions, got:"
			sed 's/^/    # /' "$plog" 2>/dev/null
		fi
		if [ "$(echo "$prof" | tr -s ' ')" = " 4002.0 kernel markloop" ]; then
			echo "ok 2 plugin: the profile puts all 4002 instructions of each loop in markloop"
		else
			echo "not ok 2 plugin: want the profile '4002.0 kernel markloop' alone, got:"
			echo "$prof" | sed 's/^/    # /'
		fi
		if grep -qx 'user@bench ipc' <<<"$users" && grep -qx 'user@pong main' <<<"$users" &&
			! grep -q '^user ' <<<"$users"; then
			echo "ok 3 plugin: the IPC profile puts user code in bench's ipc and pong's main"
		else
			echo "not ok 3 plugin: want user code in 'user@bench ipc' and 'user@pong main'" \
				"and none unattributed (QEMU status $ist; $islog, $ilog), got:"
			echo "$users" | sed 's/^/    # /'
		fi
	} >"$log"
	count "$log" plugin $st
}

host_suite() {
	local log=$B/test-host.log
	make -s host-test >"$log" 2>&1
	count "$log" host $?
}

if [ -z "${ONLY:-}" ]; then
	host_suite
	plugin_suite
fi
qemu_suite 1 128 240
qemu_suite 2 256 240 # make qemu's default: the kernel's hart, and one for processes
qemu_suite 4 256 240
qemu_suite 8 256 240 # the most harts the kernel supports (NCPU_MAX)
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
