#!/usr/bin/env bash
# The vDSO build check (as Linux does for its vDSO). Fails the build when the
# image has any dynamic relocation, any undefined symbol, exports anything
# but the API declared in include/vdsos/api.def, has a segment both
# writable and executable, or lacks the three segments the kernel maps.
# usage: vdso-check.sh vdso.so api.list
set -euo pipefail
so=$1
list=$2
READELF=${READELF:-riscv64-linux-gnu-readelf}
fail() {
	echo "vdso-check: $so: $*" >&2
	exit 1
}

relocs=$($READELF -rW "$so" | grep -cE '^ *[0-9a-f]+ +[0-9a-f]+ +R_' || true)
[ "$relocs" -eq 0 ] || fail "$relocs dynamic relocations (code must be PC-relative: hidden data, -fPIC)"
$READELF -dW "$so" | awk '/\((TEXTREL|JMPREL|NEEDED)\)/ {bad=1}
	/\((RELASZ|RELSZ)\)/ && $3 != "0" {bad=1} END {exit !bad}' &&
	fail "dynamic section asks for relocation or libraries"

undef=$($READELF --dyn-syms -W "$so" | awk '$7 == "UND" && $8 != "" {print $8}')
[ -z "$undef" ] || fail "undefined symbols: $undef"

exported=$($READELF --dyn-syms -W "$so" | awk '$7 != "UND" && ($5 == "GLOBAL" || $5 == "WEAK") {print $8}' | sort)
declared=$(grep -v '^\s*$' "$list" | tr -d ' \t' | sort)
if [ "$exported" != "$declared" ]; then
	echo "vdso-check: exports differ from include/vdsos/api.def:" >&2
	diff <(echo "$declared") <(echo "$exported") | sed -n 's/^</  declared, not exported: /p; s/^>/  exported, not declared: /p' >&2
	exit 1
fi

# Flags of each LOAD segment ("R E" is two fields between MemSiz and Align).
flags=$($READELF -lW "$so" | awk '$1 == "LOAD" {f = ""; for (i = 7; i < NF; i++) f = f $i; print f}')
echo "$flags" | grep -q 'W.*E\|E.*W' && fail "a segment is both writable and executable"
loads=$(echo $flags)
[ "$loads" = "RE RW RW" ] || fail "segments are '$loads', want 'RE RW RW' (code, local, shared)"
exit 0
