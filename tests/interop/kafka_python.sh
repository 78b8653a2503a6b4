#!/bin/sh
# kafka-python (Debian's python3-kafka 2.0.2) against `ksim serve`: a
# producer with acks=all across the scenario's broker kill (25s, restarted at
# 30s) keeps every acknowledged record; a group member commits and a second
# member resumes after the commit.
. "$(dirname "$0")/serve.lib"
need kcat
"$PY" -c 'import kafka' 2>/dev/null || fail "python3-kafka is missing (run scripts/install-deps.sh)"
serve_start 100
wait_ready
# From about 5 s to 40 s: the kill at 25 s falls inside.
timeout 120 "$PY" "$HERE/kafka_python_produce.py" "$BOOTSTRAP" ledger 35 || fail "producer"
grep -q 'kill broker-2' "$WORK/serve.out" || fail "the scenario's kill did not fire"
timeout 150 "$PY" "$HERE/kafka_python_group.py" "$BOOTSTRAP" orders || fail "group"
