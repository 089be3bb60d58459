#!/usr/bin/env bash
# Proves scripts/vdso-check.sh fails when it should: the real vDSO objects
# plus one bad object must not pass. KTAP output. Run from the top directory
# after `make` (it uses build/v/ objects and build/vdso/ lists).
set -uo pipefail
CC=riscv64-unknown-elf-gcc
LD=riscv64-linux-gnu-ld
CFLAGS="-march=rv64imac -misa-spec=2.2 -mabi=lp64 -mcmodel=medany -O2 -fPIC -fvisibility=hidden -ffreestanding"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
objs=$(ls build/v/vdso/*.o)
multi=$($CC -march=rv64imac -misa-spec=2.2 -mabi=lp64 -print-multi-directory)
libs="-L/usr/lib/picolibc/riscv64-unknown-elf/lib/$multi -lc $($CC -march=rv64imac -misa-spec=2.2 -mabi=lp64 -print-libgcc-file-name)"
n=0
status=0

# link_and_check NAME EXPECT(pass|fail) SOURCE: add SOURCE to the image, run the check.
link_and_check() {
	local name=$1 expect=$2 src=$3
	n=$((n + 1))
	printf '%s\n' "$src" >"$tmp/extra.c"
	$CC $CFLAGS -c "$tmp/extra.c" -o "$tmp/extra.o" || { echo "not ok $n $name: compile"; status=1; return; }
	$LD -shared -Bsymbolic --hash-style=sysv -z max-page-size=4096 -T linker/vdso.ld \
		--version-script="$tmp/ver" -o "$tmp/img.so" $objs "$tmp/extra.o" $libs 2>"$tmp/ld.err" ||
		{ echo "not ok $n $name: link failed: $(head -1 "$tmp/ld.err")"; status=1; return; }
	if scripts/vdso-check.sh "$tmp/img.so" build/vdso/api.list >"$tmp/out" 2>&1; then
		got=pass
	else
		got=fail
	fi
	if [ "$got" = "$expect" ]; then
		echo "ok $n vdso-check: $name ($got: $(head -1 "$tmp/out" | sed 's/.*\.so: //'))"
	else
		echo "not ok $n vdso-check: $name: expected $expect, got $got"
		sed 's/^/    # /' "$tmp/out"
		status=1
	fi
}

echo "1..3"
cp build/vdso/vdso.lds "$tmp/ver"
link_and_check "the real image passes" pass "int vds_unused_helper(void) { return 0; }"
# The mistake this check caught once: an extern declaration without hidden
# visibility makes the compiler go through the GOT, which needs relocations.
link_and_check "data reached through the GOT is refused" fail \
	"extern char vds_sh[]; char *vds_where(void) { return vds_sh; }"
# An exported function that api.def does not declare.
sed 's/local: \*;/vds_extra; local: *;/' build/vdso/vdso.lds >"$tmp/ver"
link_and_check "an undeclared export is refused" fail \
	"__attribute__((visibility(\"default\"))) int vds_extra(void) { return 1; }"
exit $status
