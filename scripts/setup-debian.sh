#!/bin/sh
# Installs the Debian packages the tests need: Chromium for the end-to-end tests (never a browser
# download), GnuTLS and OpenSSL to prove our TLS-SRP against, Redis for the scaled-out signaling
# server, rsync and syncthing as benchmark baselines, iproute2 for the private network namespace,
# unzip to check the app's ZIP files.
set -eu
SUDO=
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
  chromium gnutls-bin openssl libssl3 redis-server rsync syncthing iproute2 util-linux python3 unzip ca-certificates >/dev/null
echo "setup-debian: chromium, gnutls-bin, openssl, redis-server, rsync, syncthing, iproute2, unzip installed"
