#!/bin/sh
# Every shipped scenario runs, meets its `expect` (exit 0), and runs again
# with the same trace hash.
set -u
cd "$(dirname "$0")/../.."
KSIM=${KSIM:-./ksim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
n=0
for f in scenarios/*.yaml; do
	name=$(basename "$f" .yaml)
	"$KSIM" run --quiet --out "$tmp/$name-a" "$f" >"$tmp/$name-a.out" 2>&1
	rc=$?
	"$KSIM" run --quiet --out "$tmp/$name-b" "$f" >"$tmp/$name-b.out" 2>&1
	ha=$(sed -n 's/^trace hash \([0-9a-f]*\).*/\1/p' "$tmp/$name-a.out")
	hb=$(sed -n 's/^trace hash \([0-9a-f]*\).*/\1/p' "$tmp/$name-b.out")
	if [ "$rc" -ne 0 ]; then
		echo "$name: exit $rc"
		cat "$tmp/$name-a.out"
		fail=1
	elif [ -z "$ha" ] || [ "$ha" != "$hb" ]; then
		echo "$name: trace hash $ha then $hb"
		fail=1
	fi
	# The plots, when gnuplot is here: PNG signature and a real size.
	if [ "$rc" -eq 0 ] && command -v gnuplot >/dev/null 2>&1; then
		for png in latency rate; do
			f_png="$tmp/$name-a/$png.png"
			sig=$(head -c 8 "$f_png" 2>/dev/null | od -An -tx1 | tr -d ' \n')
			size=$(wc -c <"$f_png" 2>/dev/null || echo 0)
			if [ "$sig" != "89504e470d0a1a0a" ] || [ "$size" -lt 2000 ]; then
				echo "$name: $png.png missing or not a PNG (size $size)"
				fail=1
			fi
		done
	fi
	n=$((n + 1))
done
[ "$fail" -eq 0 ] && echo "$n scenarios met their expectations, each twice with the same hash"
exit $fail
