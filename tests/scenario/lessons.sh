#!/bin/sh
# Every lesson shows what it claims (tests/scenario/lessons.txt): each
# scenario meets its `expect` block on each of its declared seeds (at least
# 20), and every coverage marker the table requires for it (the mechanism its
# description relies on: a fence fired, a truncation to the high watermark,
# NOT_ENOUGH_REPLICAS, ...) is in each of those runs' summary.json
# "coverage". Runs go two at a time (KSIM_JOBS), without plots.
#
#   lessons.sh [NAME...]          only these lessons (default: every row)
#   lessons.sh --catch NAME...    for scripts/mutants.sh: stops at the first
#                                 run whose verdict fails (exit 0: caught),
#                                 markers not checked; exit 1 when every
#                                 run of every named lesson passed, 2
#                                 when the table is wrong
set -u
cd "$(dirname "$0")/../.."
KSIM=${KSIM:-./ksim}
JOBS=${KSIM_JOBS:-2}
TABLE=tests/scenario/lessons.txt
catch=0
if [ "${1:-}" = --catch ]; then
	catch=1
	shift
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expand "1..5,7,9..10" -> one seed a line
expand() {
	echo "$1" | tr ',' '\n' | while IFS= read -r r; do
		case $r in
		*..*) seq "${r%%..*}" "${r##*..}" ;;
		*) echo "$r" ;;
		esac
	done
}

wanted() { # wanted NAME -> 0 when no names were given or NAME is one of them
	[ $# -eq 1 ] && return 0
	n=$1
	shift
	for w in "$@"; do [ "$w" = "$n" ] && return 0; done
	return 1
}

# One job line per run: NAME SEED; the markers go to $tmp/NAME.markers.
: >"$tmp/jobs"
bad=0
while read -r name seeds markers; do
	case $name in '' | '#'*) continue ;; esac
	wanted "$name" "$@" || continue
	if [ ! -f "scenarios/$name.yaml" ]; then
		echo "$TABLE: no scenarios/$name.yaml"
		bad=1
		continue
	fi
	n=$(expand "$seeds" | wc -l)
	if [ "$n" -lt 20 ]; then
		echo "$TABLE: $name declares $n seeds (at least 20)"
		bad=1
	fi
	echo "$markers" >"$tmp/$name.markers"
	mkdir -p "$tmp/$name"
	expand "$seeds" | sed "s/^/$name /" >>"$tmp/jobs"
done <"$TABLE"
for name in "$@"; do
	[ -f "$tmp/$name.markers" ] || { echo "$TABLE: no row for $name"; bad=1; }
done
# A new lesson cannot be left out: every scenario file has its row.
if [ $# -eq 0 ]; then
	for f in scenarios/*.yaml; do
		n=$(basename "$f" .yaml)
		[ -f "$tmp/$n.markers" ] || { echo "$TABLE: no row for scenarios/$n.yaml"; bad=1; }
	done
fi
[ "$bad" -eq 0 ] || exit 2 # the table is wrong: neither caught nor passed

# Each job writes its exit code; in --catch mode the first failure stops the rest.
export KSIM tmp catch
xargs -P "$JOBS" -L 1 sh -c '
	[ "$catch" = 1 ] && [ -f "$tmp/caught" ] && exit 0
	out="$tmp/$0/$1"
	"$KSIM" run --quiet --no-plots --seed "$1" --out "$out" "scenarios/$0.yaml" \
		>"$out.log" 2>&1
	rc=$?
	echo "$rc" >"$out.rc"
	[ "$rc" -ne 0 ] && [ "$catch" = 1 ] && echo "$0 seed $1 (exit $rc)" >>"$tmp/caught"
	exit 0' <"$tmp/jobs"

if [ "$catch" = 1 ]; then
	[ -f "$tmp/caught" ] || exit 1
	head -n 1 "$tmp/caught"
	exit 0
fi

fail=0
runs=0
while read -r name seed; do
	runs=$((runs + 1))
	out="$tmp/$name/$seed"
	rc=$(cat "$out.rc" 2>/dev/null || echo "?")
	if [ "$rc" != 0 ]; then
		echo "FAIL $name seed $seed: exit $rc (ksim run scenarios/$name.yaml --seed $seed)"
		grep -- '<- FAILED' "$out.log" | head -n 5
		fail=1
		continue
	fi
	cov=$(grep -o '"coverage": {[^}]*}' "$out/summary.json")
	for m in $(cat "$tmp/$name.markers"); do
		case $cov in
		*"\"$m\": "[1-9]*) ;;
		*)
			echo "FAIL $name seed $seed: marker $m not reached ($cov)"
			fail=1
			;;
		esac
	done
done <"$tmp/jobs"
[ "$fail" -eq 0 ] && echo "lessons: $runs runs, every expectation held and every marker reached"
exit "$fail"
