#!/bin/sh
# `ksim serve --data DIR` keeps its data: records produced in one run are
# read back by a second run on the same DIR (topics, records and
# ZooKeeper's tree come from the files). Also: power-loss is refused with
# --data at load time (FILE:LINE:COL, exit 2), and SIGINT stops cleanly.
. "$(dirname "$0")/serve.lib"
need kcat
DATA="$WORK/data"
mkdir -p "$WORK/keep"
serve_start 60 --data "$DATA"
wait_ready
seq 1 500 | timeout 30 kcat -b "$BOOTSTRAP" -P -t orders -X acks=all 2>"$WORK/keep/p.err" ||
	fail "produce: $(cat "$WORK/keep/p.err")"
kill -INT "$SERVE_PID"
rc=0
wait "$SERVE_PID" || rc=$?
SERVE_PID=""
[ "$rc" -eq 0 ] || fail "ksim serve exited $rc on SIGINT"
[ -d "$DATA/broker-1/data" ] || fail "no broker files under $DATA"

# Second run on the same files; the old ZooKeeper sessions expire first
# (zookeeper.session.timeout.ms, 18 s), then the controller elects leaders.
serve_start 90 --data "$DATA"
wait_ready 60
got=$(timeout 30 kcat -b "$BOOTSTRAP" -C -t orders -o beginning -e -q | sort -n | uniq | wc -l)
[ "$got" -eq 500 ] || fail "the second run read back $got records, not 500"

rc=0
"$KSIM" serve "$(dirname "$0")/../../scenarios/single-broker-power-loss.yaml" --data "$DATA" \
	--for 1s >/dev/null 2>"$WORK/refused.err" || rc=$?
[ "$rc" -eq 2 ] || fail "power-loss with --data: exit $rc, not 2"
grep -q 'single-broker-power-loss.yaml:[0-9]*:[0-9]*: ksim serve --data cannot fire' \
	"$WORK/refused.err" || fail "power-loss refusal: $(cat "$WORK/refused.err")"
echo "data restart: 500 records kept across two runs on one --data; power-loss refused"
