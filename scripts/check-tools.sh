#!/usr/bin/env bash
# Check the toolchain; install what is missing (scripts/setup.sh) and say how
# to fix what still is. Run by make before the first build (build/.tools-ok).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)

missing() {
	local m=()
	for t in riscv64-unknown-elf-gcc riscv64-linux-gnu-ld riscv64-linux-gnu-readelf \
		qemu-system-riscv64 gcc make clang-format; do
		command -v "$t" >/dev/null 2>&1 || m+=("$t")
	done
	riscv64-unknown-elf-gcc --specs=picolibc.specs -E -x c /dev/null -o /dev/null \
		>/dev/null 2>&1 || m+=("picolibc")
	[ -f /usr/include/ck_ring.h ] || m+=("libck-dev")
	echo "${m[*]}"
}

m=$(missing)
if [ -n "$m" ]; then
	echo "check-tools: missing: $m; running scripts/setup.sh"
	"$here/setup.sh" || true
	m=$(missing)
fi
if [ -n "$m" ]; then
	echo "check-tools: still missing: $m" >&2
	echo "  fix: on Debian 12 run scripts/setup.sh (as root or with sudo)." >&2
	echo "  The compiler prefix must be riscv64-unknown-elf- (Debian gcc-riscv64-unknown-elf);" >&2
	echo "  riscv64-linux-gnu-gcc lacks picolibc. The vDSO links with riscv64-linux-gnu-ld." >&2
	exit 1
fi

# QEMU before 7.2 hangs silently on this kernel's boot path: refuse it clearly.
ver=$(qemu-system-riscv64 --version | sed -n 's/.*version \([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
read -r major minor <<<"$ver"
if [ -z "${major:-}" ] || [ "$major" -lt 7 ] || { [ "$major" -eq 7 ] && [ "$minor" -lt 2 ]; }; then
	echo "check-tools: QEMU ${major:-?}.${minor:-?} is too old; need 7.2 or newer" >&2
	echo "  fix: install Debian 12's qemu-system-misc (scripts/setup.sh)." >&2
	exit 1
fi
exit 0
