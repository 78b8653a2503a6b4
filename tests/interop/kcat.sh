#!/bin/sh
# kcat (librdkafka) against `ksim serve`: -L lists the three brokers and the
# topics; 2,000 records produced with acks=all and idempotence are all read
# back, each once, in order per partition.
. "$(dirname "$0")/serve.lib"
need kcat
serve_start 60
wait_ready
grep -q ' 3 brokers:' "$WORK/meta.txt" || fail "kcat -L: not 3 brokers: $(cat "$WORK/meta.txt")"
for n in 1 2 3; do
	grep -q "broker $n at 127.0.0.1:$((BASE + n - 1))" "$WORK/meta.txt" ||
		fail "kcat -L does not list broker $n at 127.0.0.1:$((BASE + n - 1))"
done

seq 1 2000 | timeout 30 kcat -b "$BOOTSTRAP" -P -t orders -X acks=all \
	-X enable.idempotence=true 2>"$WORK/produce.err" || fail "kcat -P: $(cat "$WORK/produce.err")"
timeout 30 kcat -b "$BOOTSTRAP" -C -t orders -o beginning -e -q -f '%p %s\n' \
	>"$WORK/consumed.txt" 2>"$WORK/consume.err" || fail "kcat -C: $(cat "$WORK/consume.err")"
got=$(wc -l <"$WORK/consumed.txt")
[ "$got" -eq 2000 ] || fail "read back $got records, not 2000"
uniq=$(cut -d' ' -f2 "$WORK/consumed.txt" | sort -n | uniq | wc -l)
[ "$uniq" -eq 2000 ] || fail "read back $uniq distinct records, not 2000"
# One producer, one key-less stream: within a partition the values increase.
for p in 0 1 2; do
	awk -v p="$p" '$1 == p { if ($2 <= last) bad = 1; last = $2 } END { exit bad }' \
		"$WORK/consumed.txt" || fail "partition $p is out of order"
done
echo "kcat: 3 brokers listed, 2000 records produced (acks=all, idempotent) and read back"
