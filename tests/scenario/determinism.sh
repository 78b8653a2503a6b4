#!/bin/sh
# Same seed and binary give the same trace hash: natively, twice, and under
# Valgrind; another seed gives another hash.
set -eu
cd "$(dirname "$0")/../.."

hash_of() { "$@" | sed -n 's/.*trace hash \([0-9a-f]*\).*/\1/p'; }

a=$(hash_of "${KSIM:-./ksim}" demo --seed 7)
b=$(hash_of "${KSIM:-./ksim}" demo --seed 7)
c=$(hash_of "${KSIM:-./ksim}" demo --seed 8)
[ -n "$a" ] || { echo "no trace hash printed"; exit 1; }
[ "$a" = "$b" ] || { echo "seed 7 gave $a then $b"; exit 1; }
[ "$a" != "$c" ] || { echo "seeds 7 and 8 both gave $a"; exit 1; }

ref=""
if [ "${VALGRIND:-1}" != 0 ] && command -v valgrind >/dev/null 2>&1; then
	v=$(hash_of valgrind -q --error-exitcode=9 "${KSIM:-./ksim}" demo --seed 7)
	[ "$a" = "$v" ] || { echo "native $a but under valgrind $v"; exit 1; }
	ref=$("${BUILD:-build}"/tests/test_determinism 2>/dev/null | sed -n 's/^reference-hash //p')
	vref=$(KSIM_UNDER_VALGRIND=1 valgrind -q --error-exitcode=9 "${BUILD:-build}"/tests/test_determinism \
		2>/dev/null | sed -n 's/^reference-hash //p')
	[ -n "$ref" ] && [ "$ref" = "$vref" ] || { echo "chaos run: native $ref, valgrind $vref"; exit 1; }
fi
echo "determinism: demo $a, chaos reference $ref"
