#!/bin/sh
# The command line's exit codes: 0 for success, 1 for a failed expectation,
# 2 for bad input or usage; `ksim COMMAND --help`; the sweep's own reports.
set -u
cd "$(dirname "$0")/../.."
fail=0
expect() { # expect CODE ARGS...
	want=$1; shift
	"${KSIM:-./ksim}" "$@" >/dev/null 2>&1
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "ksim $*: exit $got, want $want"
		fail=1
	fi
}
expect 0 --version
expect 0 --help
expect 0 help
expect 2
expect 2 no-such-command
expect 2 demo --seed
expect 2 demo --seed -3
expect 2 demo --seed 12x
expect 2 demo --bogus
expect 0 demo --seed 3
expect 0 help demo
expect 0 help check
expect 2 help nosuch
expect 0 check tests/histories/clean.jsonl
# Without --expect every expectation is `any` (the contract): reported, exit 0.
expect 0 check tests/histories/lost_write.jsonl
expect 1 check tests/histories/lost_write.jsonl --expect lost-write=none
expect 1 check tests/histories/liveness_probe.jsonl --expect liveness=ok
expect 1 check tests/histories/group_skip.jsonl --expect group-skip=none
expect 0 check tests/histories/group_redelivery.jsonl --expect group-redelivery=some
expect 0 check tests/histories/lost_write.jsonl --expect duplicate=none
expect 0 check tests/histories/lost_write.jsonl --expect lost-write=some
expect 1 check tests/histories/clean.jsonl --expect lost-write=some
expect 2 check tests/histories/malformed.jsonl
expect 2 check tests/histories/no-such-file.jsonl
expect 2 check
expect 2 check tests/histories/clean.jsonl --expect nosuch=none
expect 2 check tests/histories/clean.jsonl --expect lost-write=maybe
expect 0 validate tests/scn_good/contract_example.yaml
expect 0 help validate
expect 0 help run
expect 0 run scenarios/single-broker-kill.yaml --quiet --no-plots --out "${TMPDIR:-/tmp}/ksim-cli-noplots"
[ ! -e "${TMPDIR:-/tmp}/ksim-cli-noplots/latency.png" ] || { echo "--no-plots drew plots"; fail=1; }
rm -rf "${TMPDIR:-/tmp}/ksim-cli-noplots"
expect 2 run
expect 2 run scenarios/single-broker-kill.yaml --seed x
expect 2 run scenarios/single-broker-kill.yaml --explain --topic nosuch
expect 2 run scenarios/single-broker-kill.yaml --topic orders
expect 2 run scenarios/single-broker-kill.yaml --explain --topic
expect 2 run tests/scn_bad/alias.yaml
expect 0 run tests/scn_good/contract_example.yaml --quiet --no-plots --out "${TMPDIR:-/tmp}/ksim-cli-contract"
expect 2 validate
expect 2 validate tests/scn_good/no-such.yaml
for f in tests/scn_bad/*.yaml; do expect 2 validate "$f"; done
# sweep: every seed meets the expectation (0), or some seed fails (1).
expect 0 sweep scenarios/single-broker-kill.yaml --seeds 1..3 -j 2 --out "${TMPDIR:-/tmp}/ksim-cli-sweep"
bad="${TMPDIR:-/tmp}/ksim-cli-failing.yaml"
sed 's/lost-write: some/lost-write: none/' scenarios/single-broker-power-loss.yaml >"$bad"
expect 1 sweep "$bad" --seeds 1..2 --out "${TMPDIR:-/tmp}/ksim-cli-sweep"
out=$("${KSIM:-./ksim}" sweep "$bad" --seeds 1..2 --out "${TMPDIR:-/tmp}/ksim-cli-sweep" 2>&1)
echo "$out" | grep -q "reproduce the first failure: ksim run $bad --seed 1" ||
	{ echo "sweep did not print the reproduce command"; fail=1; }
expect 1 run "$bad" --quiet --out "${TMPDIR:-/tmp}/ksim-cli-run"
rm -rf "${TMPDIR:-/tmp}/ksim-cli-sweep" "${TMPDIR:-/tmp}/ksim-cli-run"
expect 2 sweep scenarios/single-broker-kill.yaml
expect 2 sweep scenarios/single-broker-kill.yaml --seeds 5..1
expect 2 sweep scenarios/single-broker-kill.yaml --seeds 1..2 -j 0
expect 0 help sweep
# Every command's --help prints its help on stdout and exits 0.
for c in run sweep demo check validate help; do
	expect 0 "$c" --help
	"${KSIM:-./ksim}" "$c" --help | head -n 1 | grep -q "^usage: ksim" ||
		{ echo "ksim $c --help printed no usage line"; fail=1; }
done
expect 0 run scenarios/single-broker-kill.yaml --help
expect 2 nosuch --help
# The sweep's junit.xml (a case per seed) and summary.json, beside the runs.
sw="${TMPDIR:-/tmp}/ksim-cli-sweep-reports"
rm -rf "$sw"
expect 1 sweep "$bad" --seeds 3..4 --out "$sw"
[ -d "$sw/single-broker-power-loss-3" ] || { echo "sweep: no per-seed directory"; fail=1; }
[ "$(grep -c '<testcase ' "$sw/junit.xml")" -eq 2 ] &&
	grep -q 'tests="2" failures="2" errors="0"' "$sw/junit.xml" &&
	grep -q '<testcase classname="ksim.single-broker-power-loss" name="seed 4">' "$sw/junit.xml" ||
	{ echo "sweep junit.xml lacks its cases"; fail=1; }
grep -q '"verdict": "fail", "counts": {"pass": 0, "fail": 2, "error": 0, "crash": 0}' \
	"$sw/summary.json" && grep -q '"first_failure": 3,' "$sw/summary.json" &&
	grep -q '{"seed": 4, "verdict": "fail", "trace_hash": "' "$sw/summary.json" ||
	{ echo "sweep summary.json lacks its counts or runs"; fail=1; }
rm -rf "$sw" "$bad"
exit $fail
