#!/usr/bin/env bash
# Install the Debian packages vdsOS needs to build, boot, test and benchmark.
# Idempotent: packages already present are skipped. Uses sudo when not root.
set -euo pipefail

packages=(
	make
	gcc                              # host tests and the host benchmark
	gcc-riscv64-unknown-elf          # kernel, vDSO and user compiler
	binutils-riscv64-linux-gnu       # ld -shared for the vDSO, readelf checks
	picolibc-riscv64-unknown-elf     # libc: printf, string functions, malloc
	opensbi                          # M-mode firmware (fw_jump.bin)
	qemu-system-misc                 # qemu-system-riscv64
	gdb-multiarch                    # make qemu-gdb
	libck-dev                        # Concurrency Kit: benchmark peer (ck_ring)
)

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
	echo "setup.sh: this is not a Debian/Ubuntu system (no apt-get)." >&2
	echo "Install by hand: ${packages[*]}" >&2
	echo "(Debian 12 names; other systems call them differently.)" >&2
	exit 1
fi

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "setup.sh: all packages present."
	exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		echo "setup.sh: need root or sudo to install: ${missing[*]}" >&2
		exit 1
	fi
	sudo="sudo"
fi

echo "setup.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
