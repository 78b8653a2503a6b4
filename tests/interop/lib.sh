# Shared by the interop tests: start `ksim serve` on loopback, wait until
# its cluster serves, stop it (and check it stopped cleanly) on exit.
# Everything a test starts is stopped by serve_stop, which runs on EXIT.
set -eu

KSIM=${KSIM:-./ksim}
PY=/usr/bin/python3 # Debian's, where python3-kafka is installed
HERE=$(cd "$(dirname "$0")" && pwd)
SCENARIO=${SCENARIO:-$HERE/cluster.yaml}
SERVE_PID=""
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ksim-interop.XXXXXX")

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

need() { # need BINARY: the clients are installed by scripts/install-deps.sh
	command -v "$1" >/dev/null 2>&1 || fail "$1 is missing (run scripts/install-deps.sh)"
}

serve_stop() {
	rc=0
	if [ -n "$SERVE_PID" ]; then
		kill -TERM "$SERVE_PID" 2>/dev/null || true
		wait "$SERVE_PID" || rc=$?
		SERVE_PID=""
		if [ "$rc" -ne 0 ]; then
			echo "ksim serve exited with $rc; its stderr:" >&2
			tail -n 20 "$WORK/serve.err" >&2 || true
		fi
	fi
	rm -rf "$WORK"
	# An EXIT trap's status is not the script's: exit with it explicitly.
	trap - EXIT
	[ "$rc" -eq 0 ] || exit "$rc"
}

# serve_start SECONDS [ARGS...]: serves $SCENARIO for at most SECONDS on a
# port base of its own; sets BOOTSTRAP.
serve_start() {
	secs=$1
	shift
	BASE=$((20000 + ($$ % 2000) * 4))
	# ZooKeeper's ports away from 2181, where a real ZooKeeper may listen.
	KSIM_SERVE_ZK_PORT=$((BASE - 10000))
	export KSIM_SERVE_ZK_PORT
	timeout -s TERM $((secs + 20)) "$KSIM" serve "$SCENARIO" --port "$BASE" --for "${secs}s" \
		"$@" >"$WORK/serve.out" 2>"$WORK/serve.err" &
	SERVE_PID=$!
	trap 'serve_stop' EXIT
	trap 'exit 1' INT TERM
	i=0
	until grep -q '^bootstrap.servers=' "$WORK/serve.out" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || fail "ksim serve printed no bootstrap.servers line: $(cat "$WORK/serve.err")"
		sleep 0.1
	done
	BOOTSTRAP=$(sed -n 's/^bootstrap.servers=//p' "$WORK/serve.out")
	ZOOKEEPER=$(sed -n 's/^zookeeper.connect=//p' "$WORK/serve.out")
}

# Waits until kcat -L shows every topic of the scenario with a leader per
# partition (at most 20 s).
wait_ready() {
	i=0
	while :; do
		timeout 5 kcat -b "$BOOTSTRAP" -L >"$WORK/meta.txt" 2>/dev/null || true
		if grep -q 'topic "orders" with 3 partitions' "$WORK/meta.txt" &&
			grep -q 'topic "ledger" with 1 partitions' "$WORK/meta.txt" &&
			! grep -q 'leader -1' "$WORK/meta.txt"; then
			return 0
		fi
		i=$((i + 1))
		[ $i -lt 40 ] || fail "the cluster did not come up: $(cat "$WORK/meta.txt")"
		sleep 0.5
	done
}
