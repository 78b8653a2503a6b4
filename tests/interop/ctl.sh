#!/bin/sh
# `ksim serve --control` and `ksim ctl`: faults fired on demand, answered
# with the nodes hit; a partition isolating a broker stalls its client
# connections (kcat -L against it gets no answer) until `heal all`; a
# leader kill moves the leadership; the `clients` target (isolate, delay)
# reaches every client connection; bad commands exit 1, no socket exits 2.
. "$(dirname "$0")/serve.lib"
need kcat
SOCK="$WORK/ctl.sock"
serve_start 60 --control "$SOCK"
wait_ready
ctl() { "$KSIM" ctl "$SOCK" "$@"; }

leader0() { # the leader of orders/0 as kcat sees it
	timeout 5 kcat -b "$BOOTSTRAP" -L -t orders 2>/dev/null |
		sed -n 's/.*partition 0, leader \([0-9-]*\),.*/\1/p'
}
before=$(leader0)
answer=$(ctl kill leader:orders/0) || fail "kill leader:orders/0: $answer"
[ "$answer" = "ok broker-$before" ] || fail "kill leader:orders/0 answered '$answer', leader was $before"
i=0
until now=$(leader0) && [ -n "$now" ] && [ "$now" != "$before" ] && [ "$now" != -1 ]; do
	i=$((i + 1))
	[ $i -lt 60 ] || fail "orders/0 kept leader $before after it was killed"
	sleep 0.5
done
ctl restart "broker-$before" >/dev/null || fail "restart"

# Isolated, broker-1 answers no client; healed, it does again.
ctl partition isolate broker-1 >/dev/null || fail "partition isolate"
if timeout 10 kcat -b "127.0.0.1:$BASE" -L -m 3 >/dev/null 2>&1; then
	fail "an isolated broker-1 answered kcat -L"
fi
[ "$(ctl heal all)" = "ok" ] || fail "heal all"
timeout 10 kcat -b "127.0.0.1:$BASE" -L -m 5 >/dev/null 2>&1 || fail "broker-1 silent after heal"

[ "$(ctl reset clients)" = "ok clients" ] || fail "reset clients"

# The clients target: isolated, no broker answers a client until the
# isolation's `for` ends; delayed, every answer comes that much later.
[ "$(ctl partition isolate clients for 4s)" = "ok clients" ] || fail "isolate clients"
if timeout 10 kcat -b "$BOOTSTRAP" -L -m 2 >/dev/null 2>&1; then
	fail "isolated clients got an answer"
fi
sleep 3
timeout 10 kcat -b "$BOOTSTRAP" -L -m 5 >/dev/null 2>&1 || fail "clients still cut off after 4s"
[ "$(ctl delay clients 400ms..400ms for 10s)" = "ok clients" ] || fail "delay clients"
t0=$(date +%s%N)
timeout 10 kcat -b "$BOOTSTRAP" -L -m 5 >/dev/null 2>&1 || fail "delayed clients got no answer"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -ge 800 ] || fail "delay clients 400ms: kcat -L took only $ms ms"
[ "$(ctl heal all)" = "ok" ] || fail "heal all"
if ctl kill broker-9 >/dev/null; then fail "kill broker-9 succeeded"; fi
if ctl explode broker-1 >/dev/null; then fail "an unknown action succeeded"; fi
rc=0
"$KSIM" ctl "$WORK/none.sock" kill broker-1 >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "ctl without a socket exited $rc, not 2"
echo "ctl: leader kill moved orders/0 from broker $before to $now; isolation stalled clients"
