#!/bin/sh
# make soak: sweeps the safe scenarios over many seeds, far beyond the 200
# seeds `make test` gives acks-all-nemesis.
#
# A scenario is "safe" when its `expect` demands no anomaly (`some`): it
# claims that its configuration loses, duplicates and reorders nothing. Each
# safe scenario runs over SOAK_SEEDS; acks-all-nemesis, the reference safe
# configuration under a random nemesis, over SOAK_NEMESIS_SEEDS.
#
#   SOAK_SEEDS           seeds of every safe scenario     (default 1000..1999)
#   SOAK_NEMESIS_SEEDS   seeds of acks-all-nemesis        (default 1000..10999)
#   SOAK_SCENARIOS       scenario files (default: every safe one in scenarios/)
#   SOAK_JOBS            runs at a time                   (default: nproc)
#   SOAK_OUT             where failing seeds' runs are kept (default soak-out/)
#
# Seeds run in chunks; a chunk's passing runs are deleted at once (a run
# directory holds ~10 MB of history and plots), failing ones are kept under
# SOAK_OUT with the sweep's table. Ends with one line per scenario and the
# closing `N passed, N failed` (seeds); exit 1 if any seed failed.
set -u
cd "$(dirname "$0")/.."
KSIM=${KSIM:-./ksim}
seeds=${SOAK_SEEDS:-1000..1999}
nemesis_seeds=${SOAK_NEMESIS_SEEDS:-1000..10999}
jobs=${SOAK_JOBS:-$(nproc)}
out=${SOAK_OUT:-soak-out}
chunk=200

# Prints the files whose expect block has no `some`.
safe_scenarios() {
	for f in scenarios/*.yaml; do
		awk '/^expect:/ {e = 1; next} e && /^[^ #]/ {e = 0}
		     e && /:[ \t]*some([ \t#]|$)/ {unsafe = 1}
		     END {exit unsafe}' "$f" && echo "$f"
	done
}

# sweep_range FILE A B: runs seeds A..B chunk by chunk; prints "pass fail".
sweep_range() {
	f=$1 a=$2 b=$3 p=0 n=0
	name=$(basename "$f" .yaml)
	while [ "$a" -le "$b" ]; do
		e=$((a + chunk - 1))
		[ "$e" -gt "$b" ] && e=$b
		dir="$out/$name-$a-$e"
		mkdir -p "$dir"
		"$KSIM" sweep "$f" --seeds "$a..$e" -j "$jobs" --out "$dir" >"$dir/sweep.txt" 2>&1
		# Table rows: "  SEED  pass|fail|... HASH".
		for s in $(awk '$2 == "pass" {print $1}' "$dir/sweep.txt"); do
			rm -rf "$dir/$name-$s"
		done
		cp=$(awk '$2 == "pass"' "$dir/sweep.txt" | wc -l)
		p=$((p + cp))
		n=$((n + e - a + 1 - cp))
		if [ "$cp" -eq $((e - a + 1)) ]; then
			rm -rf "$dir"
		else
			awk '$2 != "pass" && $1 ~ /^[0-9]+$/' "$dir/sweep.txt" >&2
		fi
		a=$((e + 1))
	done
	echo "$p $n"
}

scenarios=${SOAK_SCENARIOS:-$(safe_scenarios)}
total_p=0
total_n=0
for f in $scenarios; do
	range=$seeds
	[ "$(basename "$f")" = acks-all-nemesis.yaml ] && range=$nemesis_seeds
	a=${range%..*}
	b=${range#*..}
	start=$(date +%s)
	set -- $(sweep_range "$f" "$a" "$b")
	printf '%-40s seeds %s: %s pass, %s fail (%s s)\n' "$(basename "$f" .yaml)" \
		"$range" "$1" "$2" "$(($(date +%s) - start))"
	total_p=$((total_p + $1))
	total_n=$((total_n + $2))
done
[ "$total_n" -gt 0 ] && echo "failing runs kept under $out/"
echo "$total_p passed, $total_n failed"
[ "$total_n" -eq 0 ]
