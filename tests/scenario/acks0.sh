#!/bin/sh
# acks0-former-leader: an acks=0 producer writing to a broker that lost its
# leadership learns of it only because that broker closes the connection
# (Kafka's handleProduceRequest). The lesson's run must show the closed
# connection, and the consumer must read what was sent after the outage:
# more than 1,800 of the 4,501 records (about 500 are sent before the
# fault, 2,550 during it; without the close, only the first 500 are read).
set -u
cd "$(dirname "$0")/../.."
KSIM=${KSIM:-./ksim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$KSIM" run --quiet --out "$tmp/run" scenarios/acks0-former-leader.yaml >"$tmp/out" 2>&1 || {
	cat "$tmp/out"
	exit 1
}
polled=$(sed -n 's/.*"polled": \([0-9]*\).*/\1/p' "$tmp/run/summary.json")
grep -q "closes the connection from producer-1" "$tmp/run/story.md" || {
	echo "no connection closed on a refused acks=0 produce"
	exit 1
}
[ "${polled:-0}" -gt 1800 ] || { echo "only $polled records read"; exit 1; }
echo "acks0-former-leader: connection closed on a refused produce, $polled records read"
