#!/bin/sh
# make mutants: for each mechanism in the table of scenarios/README.md
# (between the "mutants" comments: | `NAME` | what is switched off | `lesson`,
# ... |), builds ksim with that mechanism switched off (-DKSIM_MUTANT, see
# sim/mutant.h) into build-mutant/NAME and runs the lessons the table names
# (tests/scenario/lessons.sh --catch, over their declared seeds) until one
# fails. Prints a table; exit 1 when a mutant survives (no lesson failed) or
# does not build. A row marked "(redundant)" is a second line of defence no
# run can reach, one marked "(uncaught)" a known gap in the checkers (README
# explains each): their survival is shown, not counted.
#
# The mutants share one plain build (build-mutant/base, without LTO); each
# recompiles only the files that hold a KSIM_MUTANT_IS switch.
#   MUTANTS="hw-wait min-insync" scripts/mutants.sh   only these
set -u
cd "$(dirname "$0")/.."
JOBS=${KSIM_JOBS:-2}
root=build-mutant
table=$(sed -n '/<!-- mutants -->/,/<!-- \/mutants -->/p' scenarios/README.md |
	grep '^| `' | sed 's/^| `\([a-z0-9-]*\)` |.*| \([^|]*\) |$/\1 \2/' | tr -d '`,')
if [ -z "$table" ]; then
	echo "scenarios/README.md: no mutants table" >&2
	exit 2
fi
start=$(date +%s)
mkdir -p "$root"
rm -f "$root/.survivors"
echo "building the shared base ($root/base)"
make -s -j"$JOBS" LTO= BUILD="$root/base" KSIM_BIN="$root/base/ksim" "$root/base/ksim" \
	>"$root/base.log" 2>&1 || {
	cat "$root/base.log"
	exit 2
}
switched=$(grep -rl 'KSIM_MUTANT_IS(' sim broker --include='*.c' | sort)

survivors=0
printf '%-26s %-9s %s\n' mutant result "lesson that failed"
echo "$table" | while read -r name lessons; do
	[ -n "${MUTANTS:-}" ] && ! echo " $MUTANTS " | grep -q " $name " && continue
	# "(redundant)": a second line of defence that no run can reach in
	# ksim's model (README says why); its survival is reported, not counted.
	redundant=""
	case "$lessons" in
	*"(redundant)"*) redundant=redundant ;;
	*"(uncaught)"*) redundant=uncaught ;;
	esac
	lessons=$(echo "$lessons" | sed 's/(redundant)//; s/(uncaught)//')
	if ! grep -rq "KSIM_MUTANT_IS(\"$name\")" sim broker; then
		printf '%-26s %-9s %s\n' "$name" MISSING "no KSIM_MUTANT_IS(\"$name\") in the code"
		echo 1 >>"$root/.survivors"
		continue
	fi
	dir="$root/$name"
	rm -rf "$dir"
	mkdir -p "$dir"
	# The base's objects and libraries, minus those the switch changes.
	(cd "$root/base" && find . -name '*.o' -o -name '*.a') | while read -r f; do
		mkdir -p "$dir/$(dirname "$f")"
		cp -p "$root/base/$f" "$dir/$f"
	done
	for src in $switched; do rm -f "$dir/${src%.c}.o"; done
	rm -f "$dir"/*.a
	if ! make -s -j"$JOBS" LTO= BUILD="$dir" KSIM_BIN="$dir/ksim" MUTANT="$name" \
		"$dir/ksim" >"$dir/build.log" 2>&1; then
		printf '%-26s %-9s %s\n' "$name" "NO BUILD" "$dir/build.log"
		echo 1 >>"$root/.survivors"
		continue
	fi
	caught=""
	scns=""
	for l in $lessons; do
		case $l in
		*.sh) KSIM="$dir/ksim" sh "$l" >"$dir/$(basename "$l").log" 2>&1 || caught="$l" ;;
		*) scns="$scns $l" ;;
		esac
		[ -n "$caught" ] && break
	done
	rc=0
	if [ -z "$caught" ] && [ -n "$scns" ]; then
		caught=$(KSIM="$dir/ksim" KSIM_JOBS="$JOBS" tests/scenario/lessons.sh --catch $scns)
		rc=$?
		[ "$rc" -eq 0 ] || caught=""
	fi
	if [ "$rc" -eq 2 ]; then
		printf '%-26s %-9s %s\n' "$name" ERROR "tests/scenario/lessons.sh: $caught"
		echo 1 >>"$root/.survivors"
	elif [ -n "$caught" ]; then
		printf '%-26s %-9s %s\n' "$name" caught "$caught"
	elif [ -n "$redundant" ]; then
		printf '%-26s %-9s %s\n' "$name" "$redundant" "every run of: $lessons (see README)"
	else
		printf '%-26s %-9s %s\n' "$name" SURVIVED "every run of: $lessons"
		echo 1 >>"$root/.survivors"
	fi
done
[ -f "$root/.survivors" ] && survivors=$(wc -l <"$root/.survivors")
rm -f "$root/.survivors"
echo "mutants: $survivors survived or failed to build; $(($(date +%s) - start)) s"
[ "$survivors" -eq 0 ]
