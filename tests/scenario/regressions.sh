#!/bin/sh
# Seeds that once failed, each at its cause (issues 16 and 17), run again:
#  - acks-all-nemesis 1413: controller writes whose answers were lost with
#    its ZooKeeper link, applied when it healed, never told to the brokers
#    (no leader for orders/0 and orders/2 to the end);
#  - acks-all-nemesis 1487, 1551 and three-brokers-nemesis 1028: a batch
#    appended but unanswered, numbered again under a new producer id after
#    another batch expired, appended twice (also with kafka_version "2.4",
#    the producer before KIP-360);
#  - acks-all-nemesis 1076: a retry of an appended batch refused as out of
#    order must not be numbered again under a bumped epoch;
#  - kafka-6361-kip101 8, 16, 19: a KIP-101 cut inside the follower's own
#    batch left it refusing every fetch;
#  - acks-all-nemesis 1169: the controller could not confirm an ISR write
#    (REQUEST_TIMED_OUT); the leader dropped its proposal instead of sending
#    it again, never learned the new partition epoch, and every later
#    proposal was refused INVALID_UPDATE_VERSION (a follower never rejoined);
#  - acks-all-nemesis 1180: a retried proposal already applied was refused
#    INVALID_UPDATE_VERSION instead of answered with the current state.
set -u
cd "$(dirname "$0")/../.."
KSIM=${KSIM:-./ksim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
run() { # FILE SEED
	if ! "$KSIM" run --quiet --no-plots --seed "$2" --out "$tmp/out" "$1" \
		>"$tmp/run.out" 2>&1; then
		echo "$1 seed $2: failed"
		grep -E 'FAIL|<-' "$tmp/run.out"
		fail=1
	fi
}
for s in 1076 1169 1180 1413 1487 1551; do run scenarios/acks-all-nemesis.yaml $s; done
run scenarios/three-brokers-nemesis.yaml 1028
sed 's/^  brokers: 3$/  brokers: 3\n  kafka_version: "2.4"/' scenarios/three-brokers-nemesis.yaml \
	>"$tmp/three-brokers-nemesis-2.4.yaml"
run "$tmp/three-brokers-nemesis-2.4.yaml" 1028
for s in 8 16 19; do run scenarios/kafka-6361-kip101.yaml $s; done
[ "$fail" -eq 0 ] && echo "12 regression runs met their expectations"
exit "$fail"
