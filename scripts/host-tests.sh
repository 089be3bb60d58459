#!/usr/bin/env bash
# Run host test programs (each prints KTAP) and merge them into one KTAP
# stream: a single plan, tests renumbered. usage: host-tests.sh 'cmd args' ...
set -uo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
i=0
status=0
for cmd in "$@"; do
	i=$((i + 1))
	bash -c "$cmd" >"$tmp/$i.out" 2>&1 || status=1
	# A program that dies before its plan is done still counts its missing tests.
	plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$tmp/$i.out" | head -1)
	got=$(grep -cE '^(not )?ok [0-9]+ ' "$tmp/$i.out")
	for ((k = got; k < ${plan:-1}; k++)); do
		echo "not ok 0 ${cmd%% *}: ended before test $((k + 1)) (see its output above)" >>"$tmp/$i.out"
	done
done
total=$(cat "$tmp"/*.out | grep -cE '^(not )?ok [0-9]+ ')
echo "1..$total"
n=0
for ((k = 1; k <= i; k++)); do
	while IFS= read -r line; do
		if [[ $line =~ ^(not\ )?ok\ [0-9]+\ (.*)$ ]]; then
			n=$((n + 1))
			echo "${BASH_REMATCH[1]}ok $n ${BASH_REMATCH[2]}"
		elif [[ ! $line =~ ^1\.\.[0-9]+$ ]]; then
			echo "$line"
		fi
	done <"$tmp/$k.out"
done
exit $status
