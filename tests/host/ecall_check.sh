#!/usr/bin/env bash
# The only traps a process makes are the vDSO's doorbell (docs/IPC.md). Checks
# every user program for ecall instructions (fault_ecall, the expected-
# failure test that exists to make one, must have one), and the vDSO image
# for ecalls outside vds_doorbell. KTAP output.
set -uo pipefail
OBJDUMP=riscv64-unknown-elf-objdump
echo "1..2"
bad=""
n=0
for prog in build/user/*; do
	[ -f "$prog" ] || continue
	name=$(basename "$prog")
	count=$($OBJDUMP -d "$prog" | grep -cP '\tecall' || true)
	n=$((n + 1))
	if [ "$name" = fault_ecall ]; then
		[ "$count" -ge 1 ] || bad="$bad $name(has none)"
	elif [ "$count" -ne 0 ]; then
		bad="$bad $name($count)"
	fi
done
if [ -z "$bad" ] && [ "$n" -gt 10 ]; then
	echo "ok 1 static: no ecall in any of $n user programs (fault_ecall excepted)"
else
	echo "not ok 1 static: ecall found in:$bad (checked $n programs)"
fi
sites=$(riscv64-linux-gnu-objdump -d build/vdso/vdso.so | awk '/^[0-9a-f]+ <.*>:$/ {fn = $2} $3 == "ecall" {print fn}')
if [ "$sites" = "<vds_doorbell>:" ]; then
	echo "ok 2 static: the vDSO's only ecall is in vds_doorbell"
else
	echo "not ok 2 static: vDSO ecalls in: $(echo $sites)"
fi
