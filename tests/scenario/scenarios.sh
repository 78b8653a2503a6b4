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
	n=$((n + 1))
done
[ "$fail" -eq 0 ] && echo "$n scenarios met their expectations, each twice with the same hash"
exit $fail
