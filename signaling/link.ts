/**
 * A client connection as the session sees it, whatever carries it (a WebSocket, a TCP socket):
 * bytes out, a count of bytes not yet sent, and a close that tells the client why.
 */
export type CloseCode =
  | 'framing' // bytes that are not ClearSkies wire messages
  | 'message' // a known message with a bad field, or a forged relay
  | 'protocol' // messages out of order, an unsupported version
  | 'rate' // more messages than the per-connection rate allows
  | 'limit' // too many IDs, connections, or a message too large
  | 'ttl' // silent for longer than its TTL
  | 'slow' // not reading what we send
  | 'shutdown'
  | 'hangup' // the client went away first
  | 'unavailable' // our fault: the exchange (Redis) failed
  | 'forbidden' // announced what only an authenticated bridge may (a `bridge:` address)

export interface CloseReason {
  code: CloseCode
  text: string
}

export interface Link {
  readonly transport: 'websocket' | 'tcp'
  /** The client's address as the tracker reports it in your_ip (IPv6 in brackets). */
  readonly remoteAddress: string
  /** Whether the client presented the bridge token, so may announce a `bridge:` address. */
  readonly bridge: boolean
  send(bytes: Uint8Array): void
  /** Bytes accepted by send() but not yet handed to the kernel. */
  bufferedBytes(): number
  /** Idempotent. */
  close(reason: CloseReason): void
}

/** What a transport feeds: the client's bytes, and the news that it went away. */
export interface LinkPeer {
  receive(chunk: Uint8Array): void
  hangUp(): void
}

/** core.md: "An IPv6 address will be surrounded with square brackets"; IPv4-mapped addresses are shown as IPv4. */
export function formatRemoteAddress(address: string | undefined): string {
  if (!address) return 'unknown'
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped?.[1]) return mapped[1]
  return address.includes(':') ? `[${address}]` : address
}
