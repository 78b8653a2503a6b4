#!/bin/sh
# Installs the Debian packages ksim needs, only when one is missing, so that
# `make run` and `make test` work on a fresh Debian machine with nothing else.
# Runs `apt-get update` first, as root (or through sudo when it is present).
# The interop tests' clients come with them: kcat, python3-kafka, zookeeper
# (Apache ZooKeeper 3.8: zkCli.sh and the server for --zookeeper), librdkafka-dev
# (bench/bench_real, a librdkafka client of `ksim serve`), Node.js
# (unless a node and npm are already on the PATH), and kafkajs 2.2.4 from
# npm into a cache folder ($KSIM_NPM_DIR, default ~/.cache/ksim/npm).
set -eu

PACKAGES="gcc make pkg-config libcmocka-dev libfyaml-dev gnuplot-nox valgrind libxml2-utils
kcat python3-kafka zookeeper librdkafka-dev"
KAFKAJS_VERSION=2.2.4
NPM_DIR=${KSIM_NPM_DIR:-$HOME/.cache/ksim/npm}

# kafkajs from npm, once, into the cache folder.
install_kafkajs() {
	if grep -q "\"version\": \"$KAFKAJS_VERSION\"" \
		"$NPM_DIR/node_modules/kafkajs/package.json" 2>/dev/null; then
		return 0
	fi
	echo "install-deps: installing kafkajs $KAFKAJS_VERSION into $NPM_DIR" >&2
	mkdir -p "$NPM_DIR"
	npm install --prefix "$NPM_DIR" --no-audit --no-fund --silent "kafkajs@$KAFKAJS_VERSION"
}

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	missing="$missing nodejs npm"
fi

if [ -z "$missing" ]; then
	install_kafkajs
	exit 0
fi

echo "install-deps: installing:$missing" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		echo "install-deps: missing packages:$missing (run as root to install them)" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
install_kafkajs
