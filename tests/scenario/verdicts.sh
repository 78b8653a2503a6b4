#!/bin/sh
# Verdicts that must fail, and that `ksim check` reaches again from the
# run's history alone: the scenarios of tests/scenario/verdicts/ each break
# one expectation on purpose (their descriptions say which).
set -u
cd "$(dirname "$0")/../.."
KSIM=${KSIM:-./ksim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
no() { echo "$*"; fail=1; }

# min.insync.replicas 4 on RF 3: nothing is acknowledged, not even the probe.
"$KSIM" run --quiet --no-plots --out "$tmp/mi" tests/scenario/verdicts/min-insync-above-rf.yaml \
	>"$tmp/mi.out" 2>&1
rc=$?
[ "$rc" -eq 1 ] || no "min-insync-above-rf: exit $rc, want 1"
grep -q '"failed_expectations": \["liveness", "acked-ratio"\]' "$tmp/mi/summary.json" ||
	no "min-insync-above-rf: failed_expectations is not [liveness, acked-ratio]"
grep -q '"liveness": 2,' "$tmp/mi/summary.json" || no "min-insync-above-rf: liveness is not 2"
grep -q '"acked": 0,' "$tmp/mi/summary.json" || no "min-insync-above-rf: some send was acked"
grep -q 'refuses writes (the acks=all probe was not acknowledged)' "$tmp/mi.out" ||
	"$KSIM" check "$tmp/mi/history.jsonl" | grep -q 'refuses writes (the acks=all probe' ||
	no "min-insync-above-rf: no probe refusal reported"
"$KSIM" check "$tmp/mi/history.jsonl" --expect liveness=ok >/dev/null 2>&1
[ $? -eq 1 ] || no "ksim check on min-insync-above-rf's history: liveness=ok does not fail"

# The group lessons: their checker findings come back from the history.
for s in group-at-most-once:group-skip group-at-least-once:group-redelivery; do
	name=${s%%:*}; chk=${s#*:}
	"$KSIM" run --quiet --no-plots --out "$tmp/$name" "scenarios/$name.yaml" >/dev/null 2>&1 ||
		no "$name: run failed"
	"$KSIM" check "$tmp/$name/history.jsonl" --expect "$chk=some" >/dev/null 2>&1 ||
		no "ksim check on $name's history: $chk=some does not hold"
	"$KSIM" check "$tmp/$name/history.jsonl" --expect "$chk=none" >/dev/null 2>&1
	[ $? -eq 1 ] || no "ksim check on $name's history: $chk=none does not fail"
done
[ "$fail" -eq 0 ] && echo "verdicts: failing runs fail, and ksim check agrees"
exit $fail
