#!/usr/bin/env bash
# `make lab LAB=name [DEST=dir]`: export the student tree of one lab.
#
# The reference tree is complete; code a lab asks students to write sits
# between markers (docs/labs/README.md, "How a lab is made"):
#
#   /* LAB name: BEGIN what to write */
#   ... the reference solution ...
#   /* LAB name: STUB */          (optional: what the student starts from)
#   #if 0
#   ... code that compiles in the region's place ...
#   #endif
#   /* LAB name: END */
#
# In the exported tree, the regions of lab `name` become a TODO comment and
# the stub; the regions of every other lab keep their solution and lose
# their markers. The tree is copied without its git history, with a file
# .lab naming the lab (so that `make grade` grades it). DEST defaults to
# ../vdsos-lab-NAME, beside this tree; it is written only when the export
# is complete.
set -euo pipefail
cd "$(dirname "$0")/.."

lab=${1:-}
dest=${2:-}
labs=$(sed -n 's/^labs="\(.*\)"$/\1/p' scripts/grade.sh)
case " $labs " in
*" $lab "*) [[ $lab =~ ^[a-z0-9_]+$ ]] || lab= ;;
esac
case " $labs " in
*" $lab "*) [ -n "$lab" ] ;;
*)
	echo "usage: make lab LAB=<name> [DEST=dir]; the labs: $labs" >&2
	exit 2
	;;
esac
[ -n "$dest" ] || dest=../vdsos-lab-$lab
case $dest in "~/"*) dest=$HOME/${dest#"~/"} ;; esac # as a shell would (make does not)
if [ -e "$dest" ] && { [ ! -d "$dest" ] || [ -n "$(ls -A "$dest")" ]; }; then
	echo "mklab: $dest exists and is not an empty directory; remove it or choose DEST=" >&2
	exit 1
fi

# The tree: tracked files and new ones not ignored; outside git (or in a
# directory git ignores), every file but the build. NUL-separated: any name.
list() {
	local tracked
	tracked=$(git ls-files 2>/dev/null | head -n 1 || true)
	if [ -n "$tracked" ]; then
		(git ls-files -z && git ls-files -z --others --exclude-standard) | sort -zu
	else
		find . -type f -not -path './build/*' -not -path './.git/*' -not -name .lab -print0 |
			sed -z 's|^\./||' | sort -z
	fi
}

# Export into a directory of our own beside DEST, moved into place at the end.
mkdir -p "$(dirname "$dest")"
out=$(mktemp -d "$(dirname "$dest")/.mklab.XXXXXX")
trap 'rm -rf "$out"' EXIT
chmod u=rwx,go=rx "$out"
regions=0
while IFS= read -r -d '' f; do
	[ -f "$f" ] || continue # deleted but still tracked
	mkdir -p "$out/$(dirname "$f")"
	case $f in
	*.c | *.h | *.S | *.def) marked=1 ;;
	*) marked=0 ;; # only source files carry regions (not the docs that show one)
	esac
	if [ $marked = 0 ] || ! grep -q '^[[:space:]]*/\* LAB [a-z0-9_]*: BEGIN' "$f"; then
		cp -p "$f" "$out/$f"
		continue
	fi
	n=$(awk -v lab="$lab" -v file="$f" -v out="$out/$f" '
	function fail(msg) { printf "mklab: %s:%d: %s\n", file, FNR, msg > "/dev/stderr"; bad = 1; exit 1 }
	function marker(line, what,    m) {
		if (match(line, "^[ \t]*/\\* LAB [a-z0-9_]+: " what)) {
			m = substr(line, index(line, "/* LAB ") + 7)
			return substr(m, 1, index(m, ":") - 1)
		}
		return ""
	}
	# The TODO comment, wrapped to stay within 80 columns (tabs are 8).
	function todo(indent, text,    col, nw, w, i, ln) {
		col = length(indent) + 7 * gsub(/\t/, "\t", indent)
		nw = split(text, w, " ")
		ln = indent "/*"
		for (i = 1; i <= nw; i++) {
			if (length(ln) + col + length(w[i]) + 1 > 80 && ln != indent "/*" && ln != indent " *") {
				print ln > out
				ln = indent " *"
			}
			ln = ln " " w[i]
		}
		print ln " */" > out
	}
	BEGIN { state = 0; mine = 0; count = 0 }
	{
		b = marker($0, "BEGIN"); s = marker($0, "STUB \\*/"); e = marker($0, "END \\*/")
		if (b != "") {
			if (state != 0) fail("BEGIN inside the region of lab " name)
			name = b; state = 1; mine = (name == lab); n = 0
			if (mine) {
				count++
				indent = $0; sub(/[^ \t].*$/, "", indent)
				hint = $0; sub(/^.*: BEGIN */, "", hint); sub(/ *\*\/.*$/, "", hint)
				if (hint != "") hint = hint ". "
				todo(indent, "TODO (lab " lab "): " hint "See docs/labs/" lab ".md.")
			}
			next
		}
		if (s != "") {
			if (state != 1 || s != name) fail("STUB without its BEGIN")
			state = 2
			if ((getline line) <= 0 || line !~ /^#if 0[ \t]*$/) fail("#if 0 must follow STUB")
			next
		}
		if (e != "") {
			if (state == 0 || e != name) fail("END without its BEGIN")
			if (state == 2) {
				if (n == 0 || buf[n] !~ /^#endif/) fail("the stub must end with #endif")
				if (mine) for (i = 1; i < n; i++) print buf[i] > out
			}
			state = 0
			next
		}
		if (state == 0 || (state == 1 && !mine)) print > out
		else if (state == 2) buf[++n] = $0
	}
	END {
		if (bad) exit 1
		if (state != 0) { FNR = "end"; fail("region of lab " name " not closed") }
		print count
	}' "$f")
	regions=$((regions + n))
	[ "$n" -eq 0 ] || changed="${changed:-} $f"
done < <(list)
if [ "$regions" -eq 0 ]; then
	echo "mklab: no region of lab $lab in the tree" >&2
	exit 1
fi
# Files generated from what the lab took out: generate them again, so
# that they do not give the solution away.
case " ${changed:-} " in
*" include/vdsos/syscalls.def "*)
	make -s -C "$out" docs >/dev/null || {
		echo "mklab: make docs failed in the export" >&2
		exit 1
	}
	rm -rf "$out/build"
	;;
esac
echo "$lab" >"$out/.lab"
[ ! -d "$dest" ] || rmdir "$dest" # empty: checked above
mv "$out" "$dest"
trap - EXIT
echo "mklab: lab $lab in $dest ($regions regions to write); start with docs/labs/$lab.md"
