#!/bin/sh
# `ksim serve --zookeeper` against Debian's Apache ZooKeeper 3.8 server:
# a standalone server on a loopback port of its own (temp data dir and
# config, stopped at the end); the brokers register in it, the controller
# is elected through it and the scenario's topics are created in it; kcat
# produces 2,000 records with acks=all and idempotence and reads them back.
. "$(dirname "$0")/serve.lib"
ZKBIN=${ZKBIN:-/usr/share/zookeeper/bin}
[ -x "$ZKBIN/zkServer.sh" ] || fail "$ZKBIN/zkServer.sh is missing (run scripts/install-deps.sh)"
need java
need kcat

# The brokers take BASE..BASE+2 (serve.lib's BASE, a stride of 4 per pid).
ZK_PORT=$((20000 + ($$ % 2000) * 4 + 3))
ZK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ksim-extzk.XXXXXX")
ZK_PID=""
zk_stop() {
	if [ -n "$ZK_PID" ]; then
		kill -TERM "-$ZK_PID" 2>/dev/null || true
		wait "$ZK_PID" 2>/dev/null || true
		ZK_PID=""
	fi
	rm -rf "$ZK_DIR"
}
cat >"$ZK_DIR/zoo.cfg" <<CFG
tickTime=2000
dataDir=$ZK_DIR/data
clientPort=$ZK_PORT
clientPortAddress=127.0.0.1
admin.enableServer=false
CFG
# Its own process group (setsid), so that the java under the script stops too.
ZOO_LOG_DIR=$ZK_DIR setsid timeout 120 "$ZKBIN/zkServer.sh" start-foreground "$ZK_DIR/zoo.cfg" \
	>"$ZK_DIR/server.log" 2>&1 &
ZK_PID=$!
trap 'zk_stop' EXIT
trap 'exit 1' INT TERM
i=0
until timeout 10 "$ZKBIN/zkCli.sh" -server "127.0.0.1:$ZK_PORT" ls / 2>/dev/null |
	grep -q '^\[zookeeper\]$'; do
	i=$((i + 1))
	[ $i -lt 30 ] || fail "the ZooKeeper server did not come up: $(tail -n 5 "$ZK_DIR/server.log")"
	sleep 0.5
done

serve_start 60 --zookeeper "127.0.0.1:$ZK_PORT"
trap 'serve_stop; zk_stop' EXIT
[ "$ZOOKEEPER" = "127.0.0.1:$ZK_PORT" ] ||
	fail "zookeeper.connect=$ZOOKEEPER, not the external 127.0.0.1:$ZK_PORT"
wait_ready
ids=$(timeout 10 "$ZKBIN/zkCli.sh" -server "127.0.0.1:$ZK_PORT" ls /brokers/ids 2>/dev/null | tail -n 1)
[ "$ids" = "[1, 2, 3]" ] || fail "the external ZooKeeper's /brokers/ids: '$ids'"
ctl=$(timeout 10 "$ZKBIN/zkCli.sh" -server "127.0.0.1:$ZK_PORT" get /controller 2>/dev/null | tail -n 1)
echo "$ctl" | grep -q '"brokerid":[123]' || fail "the external ZooKeeper's /controller: '$ctl'"

seq 1 2000 | timeout 30 kcat -b "$BOOTSTRAP" -P -t orders -X acks=all \
	-X enable.idempotence=true 2>"$WORK/produce.err" || fail "kcat -P: $(cat "$WORK/produce.err")"
timeout 30 kcat -b "$BOOTSTRAP" -C -t orders -o beginning -e -q -f '%s\n' \
	>"$WORK/consumed.txt" 2>"$WORK/consume.err" || fail "kcat -C: $(cat "$WORK/consume.err")"
got=$(sort -n "$WORK/consumed.txt" | uniq | wc -l)
[ "$got" -eq 2000 ] && [ "$(wc -l <"$WORK/consumed.txt")" -eq 2000 ] ||
	fail "read back $(wc -l <"$WORK/consumed.txt") records ($got distinct), not 2000"
echo "zookeeper_ext: 3 brokers on ZooKeeper 3.8 (127.0.0.1:$ZK_PORT), controller elected," \
	"2000 records produced (acks=all, idempotent) and read back"
