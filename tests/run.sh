#!/bin/sh
# Runs each cmocka test binary given on the command line, then (unless
# VALGRIND=0) the same binaries under Valgrind memcheck with leaks counted as
# errors, then every tests/scenario/*.sh script (one test each), then the
# interop tests (tests/interop/*.sh: real clients against `ksim serve`;
# INTEROP=0 leaves them out of a local run). Prints one line per binary and
# closes with "N passed, N failed", counting cmocka test cases (a crashed
# binary counts as one failure).
set -u

passed=0
failed=0
failures=""
logdir=${TEST_LOG_DIR:-build/test-logs}
mkdir -p "$logdir"

count() { # count FILE PATTERN -> first number on the matching cmocka line
	sed -n "s/^\[  $2  \] \([0-9][0-9]*\) test.*/\1/p" "$1" | tail -n 1
}

run_one() { # run_one LABEL LOG CMD...
	label=$1; log=$2; shift 2
	"$@" >"$log" 2>&1
	rc=$?
	p=$(count "$log" PASSED); f=$(count "$log" FAILED)
	p=${p:-0}; f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed, or Valgrind found errors after every case passed
	elif [ "$rc" -eq 0 ] && [ "$p" -eq 0 ]; then
		p=1 # not a cmocka binary (a corpus replay): one passing test
	fi
	passed=$((passed + p)); failed=$((failed + f))
	if [ "$rc" -eq 0 ]; then
		printf '  ok    %-40s %4d passed\n' "$label" "$p"
	else
		printf '  FAIL  %-40s %4d passed, %d failed (exit %d, log %s)\n' "$label" "$p" "$f" "$rc" "$log"
		failures="$failures $log"
	fi
}

echo "unit tests and corpus replays:"
for t in "$@"; do
	name=$(basename "$t")
	run_one "$name" "$logdir/$name.log" "$t"
done

if [ "${VALGRIND:-1}" != 0 ]; then
	echo "unit tests under valgrind memcheck:"
	export KSIM_UNDER_VALGRIND=1 # tests may shorten their longest loops
	for t in "$@"; do
		name=$(basename "$t")
		run_one "$name (valgrind)" "$logdir/$name.valgrind.log" \
			valgrind -q --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite,indirect,possible "$t"
	done
fi

# Replays of each fuzz target's corpus (REPLAYS: driver binaries).
for r in ${REPLAYS:-}; do
	name=$(basename "$r")
	corpus=tests/fuzz/corpus/${name#fuzz_}
	[ -d "$corpus" ] || continue
	run_one "$name corpus" "$logdir/$name.replay.log" "$r" "$corpus"
	[ "${VALGRIND:-1}" != 0 ] && run_one "$name corpus (valgrind)" \
		"$logdir/$name.replay.valgrind.log" valgrind -q --error-exitcode=99 \
		--leak-check=full --errors-for-leak-kinds=definite,indirect,possible "$r" "$corpus"
done

scripts=$(ls tests/scenario/*.sh 2>/dev/null)
if [ -n "$scripts" ]; then
	echo "scenario suite:"
	for s in $scripts; do
		name=$(basename "$s" .sh)
		log="$logdir/scenario-$name.log"
		if "$s" >"$log" 2>&1; then
			passed=$((passed + 1))
			printf '  ok    %-40s %s\n' "$name" "$(tail -n 1 "$log")"
		else
			failed=$((failed + 1))
			printf '  FAIL  %-40s (log %s)\n' "$name" "$log"
			failures="$failures $log"
		fi
	done
fi

# Real clients against `ksim serve` on loopback (tests/interop/*.sh), each
# bounded in time and stopping what it starts. The clients are installed by
# scripts/install-deps.sh (make deps): a missing one fails its test.
interop=$(ls tests/interop/*.sh 2>/dev/null)
if [ -n "$interop" ] && [ "${INTEROP:-1}" != 0 ]; then
	echo "interop suite (real clients against ksim serve):"
	for s in $interop; do
		name=$(basename "$s" .sh)
		log="$logdir/interop-$name.log"
		if KSIM="${KSIM:-./ksim}" timeout 600 sh "$s" >"$log" 2>&1; then
			passed=$((passed + 1))
			printf '  ok    %-40s %s\n' "$name" "$(tail -n 1 "$log")"
		else
			failed=$((failed + 1))
			printf '  FAIL  %-40s (log %s)\n' "$name" "$log"
			failures="$failures $log"
		fi
	done
fi

for log in $failures; do
	echo "---- $log (last 30 lines)"
	tail -n 30 "$log"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
