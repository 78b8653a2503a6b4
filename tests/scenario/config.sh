#!/bin/sh
# One table of config keys behind `validate` and `run` (broker/conf/kcfg.h):
# - a file that validates runs: every key `ksim validate --defaults` lists is
#   set, one run each, to the ends of its range (each value of an enum or a
#   boolean), and `ksim run` must not refuse it (exit 2) nor crash;
# - a bad config file gets the same message from `run` as from `validate`;
# - `validate --defaults` prints the file's value where set, else the default.
set -u
cd "$(dirname "$0")/../.."
KSIM=${KSIM:-./ksim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
runs=0

scn() { # scn SECTION KEY VALUE -> a small scenario with KEY: VALUE in SECTION
	b=; t=; p=; c=; z=
	kv="$2: \"$3\""
	case $1 in
	broker) b=$kv ;; topic) t=$kv ;; producer) p=$kv ;; consumer) c=$kv ;; zk) z=$kv ;;
	esac
	cat <<EOF
name: cfg-range
duration: 8s
quiesce: 4s
cluster:
  brokers: 3
  broker: {$b}
  zookeeper_config: {$z}
topics:
  - {name: t, partitions: 2, replication_factor: 3, config: {$t}}
workload:
  producers:
    - {topic: t, rate: 20/s, config: {$p}}
  consumers:
    - {topic: t, group: g, config: {$c}}
EOF
}

try() { # try SECTION KEY VALUE
	f="$tmp/s.yaml"
	scn "$1" "$2" "$3" >"$f"
	if ! "$KSIM" validate --quiet "$f" 2>"$tmp/err"; then
		echo "validate refused $1 $2=$3: $(cat "$tmp/err")"
		fail=1
		return
	fi
	timeout 120 "$KSIM" run "$f" --quiet --no-plots --out "$tmp/out" >/dev/null 2>"$tmp/err"
	rc=$?
	runs=$((runs + 1))
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
		echo "run of $1 $2=$3 exited $rc (validate accepted it): $(head -c 300 "$tmp/err")"
		fail=1
	fi
}

scn broker x 1 | sed 's/x: "1"//' >"$tmp/base.yaml"
"$KSIM" validate --defaults "$tmp/base.yaml" >"$tmp/defaults" || { echo "--defaults failed"; exit 1; }
section=
while IFS= read -r line; do
	case $line in
	cluster.broker:*) section=broker; continue ;;
	"topic "*) section=topic; continue ;;
	producer-*) section=producer; continue ;;
	consumer-*) section=consumer; continue ;;
	cluster.zookeeper_config:*) section=zk; continue ;;
	"  #"* | "#"*) continue ;;
	esac
	key=$(echo "$line" | sed -n 's/^  \([^:]*\): .*/\1/p')
	accepts=$(echo "$line" | sed -n 's/.*# [^;]*; //p')
	[ -n "$key" ] || continue
	case $accepts in
	"true or false") values="true false" ;;
	"one of "*) values=$(echo "${accepts#one of }" | tr -d ,) ;;
	"a Kafka release"*) values="0.10.2 1.1 3.7" ;;
	int\ * | long\ * | short\ *) r=${accepts#* }; values="${r%..*} ${r#*..}" ;;
	*) echo "no values for $key ($accepts)"; fail=1; values= ;;
	esac
	for v in $values; do try "$section" "$key" "$v"; done
done <"$tmp/defaults"
[ "$runs" -ge 100 ] || { echo "only $runs runs: --defaults lists too few keys?"; fail=1; }

# The same refusal from run as from validate.
for f in tests/scn_bad/config_*.yaml; do
	"$KSIM" validate "$f" >/dev/null 2>"$tmp/v"
	v=$?
	"$KSIM" run "$f" --quiet --out "$tmp/out" >/dev/null 2>"$tmp/r"
	r=$?
	if [ "$v" -ne 2 ] || [ "$r" -ne 2 ] || ! cmp -s "$tmp/v" "$tmp/r"; then
		echo "$f: validate $v, run $r, messages differ or not exit 2"
		fail=1
	fi
done

# request.timeout.ms: 0 is Kafka's minimum: both accept it.
scn producer request.timeout.ms 0 >"$tmp/zero.yaml"
"$KSIM" validate --quiet "$tmp/zero.yaml" || { echo "validate refused request.timeout.ms 0"; fail=1; }
"$KSIM" run "$tmp/zero.yaml" --quiet --no-plots --out "$tmp/out" >/dev/null 2>&1
rc=$?
[ "$rc" -le 1 ] || { echo "run of request.timeout.ms 0 exited $rc"; fail=1; }

# --defaults: the file's value, a default, a topic following its broker key.
"$KSIM" validate --defaults "$tmp/zero.yaml" >"$tmp/d0"
grep -q '^  request.timeout.ms: 0 .*# set in the file; int 0..2147483647$' "$tmp/d0" ||
	{ echo "--defaults lacks the file's request.timeout.ms"; fail=1; }
grep -q '^  acks: all .*# default; one of all, -1, 0, 1$' "$tmp/d0" ||
	{ echo "--defaults lacks the acks default"; fail=1; }
scn broker min.insync.replicas 2 >"$tmp/mir.yaml"
"$KSIM" validate --defaults "$tmp/mir.yaml" >"$tmp/d1"
sed -n '/^topic t:/,/^producer/p' "$tmp/d1" |
	grep -q '^  min.insync.replicas: 2 .*# from cluster.broker;' ||
	{ echo "--defaults: topic min.insync.replicas does not follow the broker's"; fail=1; }
echo "$runs runs over every key's range"
exit $fail
