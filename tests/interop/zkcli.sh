#!/bin/sh
# zkCli (Debian's Apache ZooKeeper 3.8) against `ksim serve`'s ZooKeeper
# servers: `ls /brokers/ids` on every server lists the three brokers, a
# broker's registration carries its advertised endpoint, the topics are
# listed, and a znode zkCli creates is read back from another server and
# deleted.
. "$(dirname "$0")/serve.lib"
ZKCLI=${ZKCLI:-/usr/share/zookeeper/bin/zkCli.sh}
[ -x "$ZKCLI" ] || fail "$ZKCLI is missing (run scripts/install-deps.sh)"
need java
need kcat
serve_start 60
wait_ready

# zk SERVER COMMAND...: one zkCli command, its last line of output.
zk() {
	server=$1
	shift
	timeout 30 "$ZKCLI" -server "$server" "$@" >"$WORK/zk.out" 2>"$WORK/zk.err" ||
		fail "zkCli -server $server $*: $(tail -n 5 "$WORK/zk.err")"
	tail -n 1 "$WORK/zk.out"
}

n=0
for server in $(echo "$ZOOKEEPER" | tr ',' ' '); do
	n=$((n + 1))
	ids=$(zk "$server" ls /brokers/ids)
	[ "$ids" = "[1, 2, 3]" ] || fail "ls /brokers/ids on $server: '$ids', not [1, 2, 3]"
done
[ "$n" -eq 3 ] || fail "zookeeper.connect names $n servers, not 3: $ZOOKEEPER"
ZK1=$(echo "$ZOOKEEPER" | cut -d, -f1)
ZK3=$(echo "$ZOOKEEPER" | cut -d, -f3)

reg=$(zk "$ZK1" get /brokers/ids/2)
echo "$reg" | grep -q "\"endpoints\":\[\"PLAINTEXT://127.0.0.1:$((BASE + 1))\"\]" ||
	fail "get /brokers/ids/2: no endpoint 127.0.0.1:$((BASE + 1)) in '$reg'"
topics=$(zk "$ZK3" ls /brokers/topics)
[ "$topics" = "[ledger, orders]" ] || fail "ls /brokers/topics: '$topics'"

# A write through one server is read from another (zk-3 forwards it to the
# leader; sync makes the read see it), then deleted.
zk "$ZK3" create /zkcli-probe hello >/dev/null
grep -q 'Created /zkcli-probe' "$WORK/zk.err" || fail "create /zkcli-probe: $(cat "$WORK/zk.err")"
got=$(zk "$ZK1" get /zkcli-probe)
[ "$got" = "hello" ] || fail "get /zkcli-probe on $ZK1: '$got', not hello"
zk "$ZK1" delete /zkcli-probe >/dev/null
left=$(zk "$ZK3" ls /)
case "$left" in *zkcli-probe*) fail "/zkcli-probe still listed after delete: $left" ;; esac
echo "zkcli: ls /brokers/ids lists [1, 2, 3] on the 3 servers; registrations, topics," \
	"create/get/delete answered"
