#!/usr/bin/env bash
# Prints one KTAP line per C file: ok when clang-format would not change it.
set -uo pipefail
cd "$(dirname "$0")/.."
# Tracked files and new ones not yet added (but not what .gitignore hides).
# Outside git, or in a directory git ignores (an exported lab may be): every
# C file but the build.
files=$( (git ls-files '*.c' '*.h' && git ls-files --others --exclude-standard '*.c' '*.h') 2>/dev/null |
	grep . || find . -name '*.[ch]' -not -path './build/*')
n=0
for f in $files; do
	n=$((n + 1))
done
echo "1..1"
bad=""
for f in $files; do
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		bad="$bad $f"
	fi
done
if [ -z "$bad" ]; then
	echo "ok 1 clang-format: $n files formatted"
else
	echo "not ok 1 clang-format: run 'make format' for:$bad"
	exit 1
fi
