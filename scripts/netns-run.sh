#!/bin/sh
# Runs a command inside a private network namespace holding only `lo` and a veth pair whose two
# ends both stay inside (198.18.0.1/15 and 198.18.0.2/15, the benchmarking range). Nothing sent
# there can leave this machine, so WebRTC (which Chromium never gathers on 127.0.0.1) and LAN
# broadcast tests have an address to use without touching the machine's real network.
# As root it uses `unshare -n`; otherwise a user namespace too (`unshare -rn`).
#
# The veth ends get no IPv6: the kernel would give each a link-local address about 1.5 s after the
# link comes up (once duplicate address detection is done), and Chromium takes any address change
# for a network change and fails every request in flight with ERR_NETWORK_CHANGED. That was the
# browser tests' "Failed to connect to the browser session": a page whose module loads were cut
# off in mid-start (Chromium's net log: NETWORK_IP_ADDRESSES_CHANGED, then -21 on each request).
set -eu
if [ "${CLEARSKIES_IN_NETNS:-}" = 1 ]; then exec "$@"; fi
if [ "$(id -u)" = 0 ]; then flags=-n; else flags=-rn; fi
export CLEARSKIES_IN_NETNS=1 CLEARSKIES_NETNS_ADDR=198.18.0.1 CLEARSKIES_NETNS_PEER_ADDR=198.18.0.2
exec unshare $flags sh -eu -c '
  ip link set lo up
  ip link add cs0 type veth peer name cs1
  echo 1 > /proc/sys/net/ipv6/conf/cs0/disable_ipv6
  echo 1 > /proc/sys/net/ipv6/conf/cs1/disable_ipv6
  ip addr add 198.18.0.1/15 dev cs0
  ip addr add 198.18.0.2/15 dev cs1
  ip link set cs0 up
  ip link set cs1 up
  ip route add default dev cs0
  exec "$@"
' netns-run "$@"
