#!/usr/bin/env bash
# `make lab-check` (CI): every lab can neither ship broken nor ship solved.
# For each lab, the tree `make lab` exports must build and its grade must
# fail; the reference tree's grade must pass. Logs and trees (while they
# are looked at): build/lab-check/.
set -uo pipefail
cd "$(dirname "$0")/.."
B=build
labs=$(sed -n 's/^labs="\(.*\)"$/\1/p' scripts/grade.sh)
out=$B/lab-check
rm -rf "$out"
mkdir -p "$out"
bad=0
for lab in ${1:-$labs}; do
	tree=$out/$lab
	if ! scripts/mklab.sh "$lab" "$tree" >"$out/$lab.log" 2>&1; then
		echo "not ok lab $lab: the export failed (log: $out/$lab.log)"
		bad=1
		continue
	fi
	if ! make -C "$tree" -j2 >>"$out/$lab.log" 2>&1; then
		echo "not ok lab $lab: the exported tree does not build (log: $out/$lab.log)"
		bad=1
		continue
	fi
	if GRADE_FAST=1 GRADE_TIMEOUT=${GRADE_TIMEOUT:-120} make -C "$tree" grade \
		>>"$out/$lab.log" 2>&1; then
		echo "not ok lab $lab: the exported tree already passes its grade (log: $out/$lab.log)"
		bad=1
		continue
	fi
	echo "ok lab $lab: the exported tree builds, and its grade fails"
	rm -rf "$tree"
done
if make -s grade ${1:+LAB="$1"} >"$out/reference.log" 2>&1; then
	echo "ok reference tree: $(tail -1 "$out/reference.log")"
else
	cat "$out/reference.log"
	echo "not ok reference tree: its grade fails (log: $out/reference.log)"
	bad=1
fi
exit $bad
