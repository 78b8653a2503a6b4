#!/bin/sh
# kafkajs 2.2.4 (installed by scripts/install-deps.sh into $KSIM_NPM_DIR)
# against `ksim serve`: produces with acks=all and consumes in a group.
. "$(dirname "$0")/serve.lib"
need kcat
need node
NPM_DIR=${KSIM_NPM_DIR:-$HOME/.cache/ksim/npm}
[ -f "$NPM_DIR/node_modules/kafkajs/package.json" ] ||
	fail "kafkajs is missing from $NPM_DIR (run scripts/install-deps.sh)"
serve_start 100
wait_ready
KAFKAJS_NO_PARTITIONER_WARNING=1 NODE_PATH="$NPM_DIR/node_modules" timeout 90 node "$HERE/kafkajs.js" "$BOOTSTRAP" orders ||
	fail "kafkajs"
