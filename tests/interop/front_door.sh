#!/bin/sh
# Robustness of the real front door: 400 connections with random frames
# (garbage with a right length prefix, Kafka-looking headers over garbage,
# negative and oversized lengths, half frames then a hang-up) at every
# broker; afterwards the cluster still lists its brokers and topics and
# carries records, and ksim serve stops cleanly (exit 0, checked on exit).
. "$(dirname "$0")/serve.lib"
need kcat
serve_start 90
wait_ready
for n in 0 1 2; do
	timeout 120 "$PY" "$HERE/front_door_fuzz.py" 127.0.0.1 $((BASE + n)) "$n" 400 ||
		fail "the fuzz client (broker-$((n + 1)))"
done
wait_ready
seq 1 100 | timeout 30 kcat -b "$BOOTSTRAP" -P -t orders -X acks=all 2>"$WORK/p.err" ||
	fail "produce after the fuzz: $(cat "$WORK/p.err")"
got=$(timeout 30 kcat -b "$BOOTSTRAP" -C -t orders -o beginning -e -q | wc -l)
[ "$got" -eq 100 ] || fail "read back $got records after the fuzz, not 100"
echo "front door: 1200 random frames, the cluster still serves"
