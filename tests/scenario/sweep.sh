#!/bin/sh
# The safe configuration holds over many seeds: acks=all,
# min.insync.replicas=2, unclean election off, and a nemesis of random
# single-broker faults (kill, pause, partition) lose nothing, duplicate
# nothing and leave the replicas identical, for every seed of the sweep
# (200 by default; KSIM_SWEEP_SEEDS overrides, e.g. 1..20 for a quick run).
set -u
cd "$(dirname "$0")/../.."
KSIM=${KSIM:-./ksim}
seeds=${KSIM_SWEEP_SEEDS:-1..200}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! "$KSIM" sweep scenarios/acks-all-nemesis.yaml --seeds "$seeds" -j 2 --out "$tmp" \
	>"$tmp/sweep.out" 2>&1; then
	grep -v ' pass ' "$tmp/sweep.out" | head -40
	exit 1
fi
tail -2 "$tmp/sweep.out"
