/**
 * Peer addresses as the tracker hands them out. core.md knows `tcp:` and `utp:` and tells clients
 * to ignore other schemes; we add `webrtc:<peer id>`, which means "reachable by WebRTC, set up
 * through this tracker's signal relay under the same ID". Only the tracker writes `webrtc:`
 * addresses (it drops any a client claims), so one cannot impersonate another's relay route.
 */
export const WEBRTC_SCHEME = 'webrtc:'
export const TCP_SCHEME = 'tcp:'

export function webrtcAddress(peerId: string): string {
  return `${WEBRTC_SCHEME}${peerId}`
}

/** The addresses a client may announce: everything it sent, verbatim, except the tracker-owned scheme. */
export function announceableAddresses(addresses: readonly string[]): string[] {
  return addresses.filter((a) => !a.toLowerCase().startsWith(WEBRTC_SCHEME))
}

/** A `tcp:` peer address, parsed. */
export interface TcpAddress {
  readonly host: string
  readonly port: number
}

export class PeerAddressError extends Error {
  readonly code = 'EINVAL'
}

/** `tcp:HOST:PORT`, with an IPv6 host in brackets (core.md, "Peer Discovery"). */
export function parseTcpAddress(address: string): TcpAddress {
  const match = /^tcp:(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address)
  const port = Number(match?.[3])
  if (!match || port < 1 || port > 65_535)
    throw new PeerAddressError(
      `${JSON.stringify(address.slice(0, 80))} is not a peer address: expected tcp:HOST:PORT (an IPv6 host in brackets, port 1-65535)`,
    )
  return { host: match[1] ?? match[2] ?? '', port }
}

export function tcpAddressText({ host, port }: TcpAddress): string {
  return `${TCP_SCHEME}${host.includes(':') ? `[${host}]` : host}:${port}`
}
