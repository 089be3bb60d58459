#!/usr/bin/env bash
# docs/SYSCALLS.md must be what scripts/gen-syscalls-doc.c makes of
# syscalls.def and errors.def today (`make docs` regenerates it). KTAP output.
# usage: docs_check.sh path/to/gen-syscalls-doc
set -uo pipefail
cd "$(dirname "$0")/../.."
echo "1..1"
out=$(diff -u docs/SYSCALLS.md <("$1") 2>&1)
if [ $? -eq 0 ]; then
	echo "ok 1 docs/SYSCALLS.md matches syscalls.def and errors.def"
else
	echo "$out" | sed 's/^/# /' | head -40
	echo "not ok 1 docs/SYSCALLS.md is stale: run 'make docs'"
fi
