#!/bin/sh
# Installs the Debian packages ksim needs, only when one is missing, so that
# `make run` and `make test` work on a fresh Debian machine with nothing else.
# Runs `apt-get update` first, as root (or through sudo when it is present).
set -eu

PACKAGES="gcc make pkg-config libcmocka-dev libfyaml-dev gnuplot-nox valgrind libxml2-utils"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done

[ -z "$missing" ] && exit 0

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
