#!/usr/bin/env bash
# `make grade [LAB=name]`: run a lab's graded tests and print points per
# test and a total, like xv6's gradelib (docs/labs/README.md). Without LAB,
# the lab named in .lab (a tree exported by `make lab`), else every lab.
#
# Each run draws a token that goes to the kernel's command line; the
# checking programs build what they check from it, so no output can be
# prepared in advance. Checks run in the kernel (kernel/test/test_lab.c)
# and on several harts. Exit status 0 only with full marks.
#
# GRADE_FAST=1 stops at the first lost point (CI uses it on exported trees).
set -uo pipefail
cd "$(dirname "$0")/.."

# In the order of docs/labs/README.md (mklab.sh and lab-check.sh read this line).
labs="pstree sysinfo kvserver queue doorbell fastcopy"

B=build
QEMU=qemu-system-riscv64
BIOS=$(ls /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin 2>/dev/null || echo default)
FAST=${GRADE_FAST:-0}
TIMEOUT=${GRADE_TIMEOUT:-180}
score=0
max=0
lost=0

token=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
[ "$token" != 0 ] || token=1

line() { # NAME GOT POINTS [LOG]
	local name=$1 got=$2 pts=$3 log=${4:-} verdict=OK
	[ "$got" -eq "$pts" ] || verdict=FAIL
	printf '  %-52s %-4s (%d/%d)%s\n' "$name" "$verdict" "$got" "$pts" "${log:+  log: $log}"
	score=$((score + got))
	max=$((max + pts))
	if [ "$got" -ne "$pts" ]; then
		lost=1
		if [ "$FAST" = 1 ]; then
			echo "Score: $score/$max (stopped at the first failure: GRADE_FAST=1)"
			exit 1
		fi
	fi
}

# ktests CPUS NAME:POINTS...: boot once with those in-kernel tests; each
# `ok` earns its points.
ktests() {
	local cpus=$1
	shift
	local names="" spec name log
	for spec in "$@"; do
		names="$names${names:+,}${spec%%:*}"
	done
	log=$B/grade-$lab-smp$cpus.log
	timeout "$TIMEOUT" $QEMU -machine virt -bios "$BIOS" -kernel $B/kernel.elf -m 256M \
		-smp "$cpus" -nographic -monitor none -serial stdio \
		-append "test only=$names ncpu=$cpus mem=256 token=$token" </dev/null >"$log" 2>&1
	for spec in "$@"; do
		name=${spec%%:*}
		if tr -d '\r' <"$log" | grep -qE "^ok [0-9]+ $name\$"; then
			line "$name, $cpus hart$([ "$cpus" = 1 ] || echo s)" "${spec##*:}" "${spec##*:}"
		else
			line "$name, $cpus hart$([ "$cpus" = 1 ] || echo s)" 0 "${spec##*:}" "$log"
		fi
	done
}

# check NAME POINTS PREREQUISITE COMMAND...: make the prerequisite, run the command.
check() {
	local name=$1 pts=$2 prereq=$3 log=$B/grade-$lab-host.log
	shift 3
	if make -s "$prereq" >>"$log" 2>&1 && timeout "$TIMEOUT" "$@" >>"$log" 2>&1; then
		line "$name" "$pts" "$pts"
	else
		line "$name" 0 "$pts" "$log"
	fi
}

# host NAME POINTS TARGET ARGS...: build a host test and run it.
host() {
	check "$1" "$2" "$3" "$3" "${@:4}"
}

# copycost WHAT LIMIT POINTS: instructions per KiB of a user copy, counted
# under -icount shift=0 (kernel/bench.c, bench_copy).
copycost() {
	local what=$1 limit=$2 pts=$3 log=$B/grade-$lab-bench.log n
	if [ ! -s "$log" ]; then
		timeout "$TIMEOUT" $QEMU -machine virt -bios "$BIOS" -kernel $B/kernel.elf -m 128M \
			-smp 1 -nographic -monitor none -serial stdio -icount shift=0 \
			-append "bench copy" </dev/null >"$log" 2>&1
	fi
	n=$(tr -d '\r' <"$log" | sed -n "s/^bench: copy: .*$what \([0-9]*\)[, ].*/\1/p" | head -1)
	if [ -n "$n" ] && [ "$n" -le "$limit" ]; then
		line "$what: $n instructions per KiB (at most $limit)" "$pts" "$pts"
	else
		line "$what: ${n:-no figure} instructions per KiB (at most $limit)" 0 "$pts" "$log"
	fi
}

grade_pstree() {
	ktests 1 lab_pstree:20
	ktests 4 lab_pstree:20
}

grade_sysinfo() {
	ktests 1 lab_sysinfo:20 sys_every_call:5
	ktests 4 lab_sysinfo:15
}

grade_queue() {
	host "host: every queue test (1 to 8 producers), under TSan" 15 $B/host/test_queue_tsan 1000000
	host "host: 8 producers, 1 consumer, under ASan" 15 $B/host/test_queue_asan --mpsc 8 10000000
	ktests 1 queue_proc_to_kernel:5 queue_kernel_to_proc:5 queue_dead_writer:5 attack_refs:5
	ktests 4 queue_proc_to_kernel:5 queue_dead_writer:5 sys_stress:10 ipc_ping:5
}

grade_doorbell() {
	host "host: the handshake's litmus test, 200000 rounds" 10 $B/host/test_queue_asan \
		--handshake 200000
	check "the fences in the compiled vDSO (RISC-V)" 10 $B/vdso/vdso.so tests/host/fence_check.sh
	ktests 1 lab_doorbell:10 sys_sleep_order:5 ipc_ping:5
	ktests 4 lab_doorbell:20 sys_stress:10 ipc_kv:10
	ktests 8 sys_stress:10
}

grade_kvserver() {
	ktests 1 lab_kvserver:20 ipc_kv:5
	ktests 4 lab_kvserver:20 ipc_kv:5
}

grade_fastcopy() {
	ktests 1 user_copy:10 sys_every_call:5 spawn_errors:5 fs_exec:5
	copycost copyout 1000 10
	copycost copyin 1000 10
	copycost copyinstr 8000 5
	copycost copyinstr 2500 5
}

want=${1:-}
[ -n "$want" ] || want=$(cat .lab 2>/dev/null || true)
[ -n "$want" ] || want=$labs
for lab in $want; do
	case " $labs " in
	*" $lab "*) ;;
	*)
		echo "grade: no lab $lab (the labs: $labs)" >&2
		exit 2
		;;
	esac
done
mkdir -p $B
if ! make -s $B/kernel.elf >$B/grade-build.log 2>&1; then
	cat $B/grade-build.log
	echo "grade: the tree does not build (log: $B/grade-build.log)"
	echo "Score: 0 (nothing graded)"
	exit 1
fi
for lab in $want; do
	echo "== lab $lab (token $token) =="
	rm -f $B/grade-$lab-*.log
	s0=$score m0=$max
	grade_$lab
	echo "  lab $lab: $((score - s0))/$((max - m0))"
done
echo "Score: $score/$max"
[ "$lost" = 0 ] && [ "$max" -gt 0 ]
