#!/usr/bin/env bash
# The lab exporter (scripts/mklab.sh) on a small tree of its own: the lab's
# regions become a TODO and the stub, the other labs' regions keep their
# code, marker mistakes are refused. KTAP output.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "1..4"

# tree TEXT: a fresh tree with the exporter, a list of labs, and one file.
tree() {
	rm -rf "$tmp/t" "$tmp/out"
	mkdir -p "$tmp/t/scripts"
	cp "$root/scripts/mklab.sh" "$tmp/t/scripts/"
	echo 'labs="one two"' >"$tmp/t/scripts/grade.sh"
	printf '%s\n' "$1" >"$tmp/t/f.c"
}

tree 'int a(void)
{
	/* LAB one: BEGIN return the answer */
	return 42;
	/* LAB one: STUB */
#if 0
	return 0;
#endif
	/* LAB one: END */
}
/* LAB two: BEGIN another lab */
int b(void) { return 7; }
/* LAB two: STUB */
#if 0
int b(void) { return 0; }
#endif
/* LAB two: END */'
want='int a(void)
{
	/* TODO (lab one): return the answer. See docs/labs/one.md. */
	return 0;
}
int b(void) { return 7; }'
if "$tmp/t/scripts/mklab.sh" one "$tmp/out" >/dev/null 2>"$tmp/err" &&
	[ "$(cat "$tmp/out/f.c")" = "$want" ] && [ "$(cat "$tmp/out/.lab")" = one ]; then
	echo "ok 1 mklab: the lab's region becomes its stub, another lab's keeps its code"
else
	echo "not ok 1 mklab: unexpected export"
	sed 's/^/    # /' "$tmp/out/f.c" "$tmp/err" 2>/dev/null
fi

tree '/* LAB one: BEGIN */
int x;'
if "$tmp/t/scripts/mklab.sh" one "$tmp/out" >/dev/null 2>"$tmp/err" ||
	! grep -q 'not closed' "$tmp/err" || [ -e "$tmp/out" ] || ls -a "$tmp" | grep -q mklab; then
	echo "not ok 2 mklab: an unclosed region must be refused, leaving nothing behind"
else
	echo "ok 2 mklab: an unclosed region is refused, and nothing is left behind"
fi

tree '/* LAB one: BEGIN */
int x;
/* LAB one: STUB */
int y;
/* LAB one: END */'
if "$tmp/t/scripts/mklab.sh" one "$tmp/out" >/dev/null 2>"$tmp/err" ||
	! grep -q '#if 0 must follow STUB' "$tmp/err"; then
	echo "not ok 3 mklab: a stub outside #if 0 must be refused"
else
	echo "ok 3 mklab: a stub outside #if 0 is refused"
fi

tree 'int x;'
if "$tmp/t/scripts/mklab.sh" three "$tmp/out" >/dev/null 2>&1 ||
	"$tmp/t/scripts/mklab.sh" one "$tmp/out" >/dev/null 2>&1; then
	echo "not ok 4 mklab: an unknown lab, or one without regions, must be refused"
else
	echo "ok 4 mklab: an unknown lab, or one without regions, is refused"
fi
