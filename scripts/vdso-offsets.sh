#!/usr/bin/env bash
# From the built vDSO image, generate the offsets the kernel needs (the
# address of the doorbell's ecall), and fail if the image holds an ecall
# anywhere but in vds_doorbell. usage: vdso-offsets.sh vdso.so offsets.h
set -euo pipefail
so=$1
out=$2
OBJDUMP=${OBJDUMP:-riscv64-linux-gnu-objdump}
dis=$($OBJDUMP -d --no-show-raw-insn "$so")
sites=$(echo "$dis" | awk '/^[0-9a-f]+ <.*>:$/ {fn = $2} $2 == "ecall" {sub(":", "", $1); print fn, $1}')
bad=$(echo "$sites" | grep -v '^<vds_doorbell>' || true)
if [ -n "$bad" ]; then
	echo "vdso-offsets: $so: ecall outside vds_doorbell: $bad" >&2
	exit 1
fi
n=$(echo "$sites" | grep -c . || true)
if [ "$n" -ne 1 ]; then
	echo "vdso-offsets: $so: want exactly one ecall (in vds_doorbell), found $n" >&2
	exit 1
fi
off=$(echo "$sites" | awk '{print $2}')
{
	echo "/* Generated from $so by scripts/vdso-offsets.sh: do not edit. */"
	echo "#define VDSO_DOORBELL_ECALL 0x$off /* offset of the doorbell's ecall in the image */"
} >"$out.tmp"
mv "$out.tmp" "$out"
