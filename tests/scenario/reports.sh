#!/bin/sh
# The run directory for people: index.html, story.md (and --explain), the
# replica and ISR plots, and --diagram's diagram.svg. Checks that the XML
# is well formed (xmllint, or python3's parser when xmllint is missing),
# that each PNG is a PNG of more than 1 KB (when gnuplot is installed; else
# that index.html says why there are none), that the story names every
# fault of the history and tells every node event of the trace (each
# "leader" event among them), and that bad --diagram windows are usage
# errors.
set -u
cd "$(dirname "$0")/../.."
KSIM=${KSIM:-./ksim}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ksim-reports.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail=0
die() { echo "$*"; fail=1; }

well_formed() { # well_formed FILE
	if command -v xmllint >/dev/null 2>&1; then
		xmllint --noout "$1"
	elif command -v python3 >/dev/null 2>&1; then
		python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$1"
	else
		echo "note: neither xmllint nor python3: $1 not checked" >&2
	fi
}

is_png() { # is_png FILE: the 8-byte signature 89 50 4E 47 0D 0A 1A 0A, > 1 KB
	[ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] &&
		[ "$(wc -c <"$1")" -gt 1024 ]
}

# A run with faults, ZooKeeper elections and broker registrations, told.
out="$tmp/zk"
"$KSIM" run scenarios/zookeeper-leader-loss.yaml --quiet --trace --explain \
	--diagram 4s..5500ms --out "$out" >"$tmp/explain.txt"
[ $? -le 1 ] || die "run failed"
for f in index.html story.md diagram.svg summary.json junit.xml history.jsonl trace.log \
	replicas.dat isr.dat leaders.dat; do
	[ -s "$out/$f" ] || die "no $f in the run directory"
done
well_formed "$out/diagram.svg" || die "diagram.svg is not well-formed XML"
well_formed "$out/index.html" || die "index.html is not well-formed XML"
if command -v gnuplot >/dev/null 2>&1; then
	for p in latency rate replicas isr; do
		is_png "$out/$p.png" || die "$p.png is not a PNG of more than 1 KB"
		grep -q "<img src=\"$p.png\"" "$out/index.html" || die "index.html lacks $p.png"
	done
else
	grep -q "gnuplot is not installed" "$out/index.html" ||
		die "index.html does not say why the plots are missing"
fi
grep -q '<a href="trace.log">' "$out/index.html" || die "index.html does not link trace.log"
grep -q '<img src="diagram.svg"' "$out/index.html" || die "index.html does not show the diagram"
# The diagram shows ZooKeeper and Kafka messages by name around the kill of zk-3.
grep -q '>ping</text>' "$out/diagram.svg" || die "diagram.svg has no ZooKeeper ping"
grep -q '>kill</text>' "$out/diagram.svg" || die "diagram.svg does not show the kill at 5s"
# --explain printed the story: the same sections as story.md.
grep -q "^## What happened" "$tmp/explain.txt" || die "--explain printed no story"
grep -q "^## What happened" "$out/story.md" || die "story.md has no timeline"
# Every fault of the history, by its action, with its time.
grep '"f":"fault"' "$out/history.jsonl" | sed 's/.*"action":"\([^"]*\)".*/\1/' | sort -u |
	while read -r action; do
		grep -q "\"$action\"" "$tmp/explain.txt" || { echo "story lacks fault $action"; exit 1; }
	done || fail=1
# Every node event of the trace (each leader change included), by its text.
grep ' EVENT ' "$out/trace.log" | sed 's/.* EVENT [a-z-]*: //' | sort -u | while read -r text; do
	grep -qF -- "$text" "$tmp/explain.txt" || { echo "story lacks event: $text"; exit 1; }
done || fail=1
n_zk=$(grep -c ' EVENT zk-leader: ' "$out/trace.log")
[ "$n_zk" -ge 2 ] || die "expected ZooKeeper elections in the trace, found $n_zk"
n_leader=$(grep -c ' EVENT leader: ' "$out/trace.log")
n_told=$(grep -c "now leads\|^- [0-9.]* s — [a-z0-9-]*: .*lead" "$tmp/explain.txt")
[ "$n_told" -ge "$n_leader" ] || die "story tells $n_told leader changes of $n_leader"
if [ "$n_leader" -eq 0 ]; then
	# No node tells of leaders yet (the harness plays the controller): the
	# story tells each new leader the samples saw, one per leaders.dat row.
	n_rows=$(grep -c '^[0-9.]* [0-9]* "broker' "$out/leaders.dat")
	n_seen=$(grep -c ' now leads [^ ]*, with leader epoch [0-9]*' "$tmp/explain.txt")
	[ "$n_rows" -gt 0 ] && [ "$n_rows" -eq "$n_seen" ] ||
		die "leaders.dat has $n_rows new leaders, the story tells $n_seen"
fi
grep -q "^Verdict: \(PASS\|FAIL\)\." "$tmp/explain.txt" || die "story has no verdict"

# The lesson of the default scenario: lost writes, and why.
out="$tmp/pl"
"$KSIM" run scenarios/single-broker-power-loss.yaml --quiet --no-plots --out "$out" >/dev/null
grep -q "plots skipped (--no-plots)" "$out/index.html" || die "--no-plots not said in index.html"
grep -q "Fault \"power-loss\"" "$out/story.md" || die "story.md lacks the power loss"
grep -q "now ends at offset 0, though it had reached" "$out/story.md" ||
	die "story.md does not tell the log that lost its end"
well_formed "$out/index.html" || die "index.html (no plots) is not well-formed XML"
[ ! -e "$out/diagram.svg" ] || die "diagram.svg written without --diagram"

# Without gnuplot (none on the PATH): data files, no pictures, and index.html says why.
out="$tmp/nognuplot"
PATH=/nonexistent "$KSIM" run scenarios/single-broker-kill.yaml --quiet --out "$out" >/dev/null
grep -q "gnuplot is not installed" "$out/index.html" || die "index.html does not say gnuplot is missing"
[ ! -e "$out/latency.png" ] && [ ! -e "$out/replicas.png" ] || die "pictures without gnuplot?"
[ -s "$out/replicas.dat" ] && [ -s "$out/latency.dat" ] || die "data files missing without gnuplot"

# Watching frames does not change the run: the same trace hash with a diagram.
hash_of() { "$KSIM" run scenarios/single-broker-kill.yaml --no-plots --out "$tmp/h" "$@" |
	sed -n 's/.*trace hash \([0-9a-f]*\).*/\1/p'; }
h1=$(hash_of)
h2=$(hash_of --diagram 0s..60s)
[ -n "$h1" ] && [ "$h1" = "$h2" ] || die "trace hash $h1 without a diagram, $h2 with one"

# Bad windows are usage errors.
for w in 5s 5s.. ..5s 6s..5s 5x..6s ""; do
	"$KSIM" run scenarios/single-broker-kill.yaml --quiet --out "$tmp/bad" --diagram "$w" \
		>/dev/null 2>&1
	[ $? -eq 2 ] || die "--diagram '$w' was not a usage error"
done
"$KSIM" run scenarios/single-broker-kill.yaml --quiet --out "$tmp/bad" --diagram >/dev/null 2>&1
[ $? -eq 2 ] || die "--diagram without a window was not a usage error"
exit $fail
