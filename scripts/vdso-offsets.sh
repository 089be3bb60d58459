#!/usr/bin/env bash
# From the built vDSO image, generate the offsets the kernel needs (the
# address of the doorbell's ecall, and of each kernel-private function listed
# in vdso/kapi.def, which the image does not export), and fail if the image
# holds an ecall anywhere but in vds_doorbell or lacks one of those functions.
# usage: vdso-offsets.sh vdso.so kapi.def offsets.h
set -euo pipefail
so=$1
kapi=$2
out=$3
OBJDUMP=${OBJDUMP:-riscv64-linux-gnu-objdump}
NM=${NM:-riscv64-linux-gnu-nm}
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
syms=$($NM "$so")
{
	echo "/* Generated from $so by scripts/vdso-offsets.sh: do not edit. */"
	echo "#define VDSO_DOORBELL_ECALL 0x$off /* offset of the doorbell's ecall in the image */"
	for name in $(sed -n 's/^VDS_FN([^,]*, *\([a-z0-9_]*\),.*/\1/p' "$kapi"); do
		addr=$(echo "$syms" | awk -v s="vds_$name" '$3 == s && ($2 == "t" || $2 == "T") {print $1}')
		if [ -z "$addr" ]; then
			echo "vdso-offsets: $so: no function vds_$name (vdso/kapi.def)" >&2
			exit 1
		fi
		echo "#define VDSO_KAPI_$name 0x$addr"
	done
} >"$out.tmp"
mv "$out.tmp" "$out"
