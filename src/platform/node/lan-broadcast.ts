/**
 * core.md's LAN Broadcast: "a UDP broadcast to port 60106" of
 * `{"name": "ClearSkiesBroadcast", "version": 1, "id": ..., "peer": ..., "myport": ...}`, one per
 * ID. The payload is parsed at this edge; anything else on the port is dropped without a word
 * (it is a shared port on an untrusted network). Tests run this only inside a network namespace
 * of their own: broadcasts must never leave the machine.
 */
import dgram from 'node:dgram'
import { ID_PATTERN, PEER_ID_PATTERN } from '../../protocol/tracker/messages'

export const LAN_BROADCAST_PORT = 60106
const BROADCAST_NAME = 'ClearSkiesBroadcast'
/** core.md: "The Broadcast message is versioned separately." */
const BROADCAST_VERSION = 1
/** A payload is about 150 bytes; a datagram much larger is not one. */
const MAX_DATAGRAM_BYTES = 1024
const BROADCAST_ADDRESS = '255.255.255.255'

export interface LanAnnouncement {
  /** A key ID or access ID. */
  readonly id: string
  readonly peerId: string
  /** `tcp:HOST:PORT` built from the datagram's source address and `myport`. */
  readonly address: string
}

export function encodeLanBroadcast(id: string, peerId: string, port: number): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({ name: BROADCAST_NAME, version: BROADCAST_VERSION, id, peer: peerId, myport: port }),
  )
}

/** The announcement in a datagram from `sourceHost`, or undefined when it is not a valid one. */
export function parseLanBroadcast(datagram: Uint8Array, sourceHost: string): LanAnnouncement | undefined {
  if (datagram.byteLength > MAX_DATAGRAM_BYTES) return undefined
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(datagram))
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const { name, version, id, peer, myport } = value as Record<string, unknown>
  if (name !== BROADCAST_NAME || version !== BROADCAST_VERSION) return undefined
  if (
    typeof id !== 'string' ||
    !ID_PATTERN.test(id) ||
    typeof peer !== 'string' ||
    !PEER_ID_PATTERN.test(peer)
  )
    return undefined
  if (typeof myport !== 'number' || !Number.isInteger(myport) || myport < 1 || myport > 65_535)
    return undefined
  const host = sourceHost.includes(':') ? `[${sourceHost}]` : sourceHost
  return { id: id.toLowerCase(), peerId: peer.toLowerCase(), address: `tcp:${host}:${myport}` }
}

export interface LanBroadcaster {
  /** Broadcasts one datagram per ID (ID to our peer ID under it). */
  announce(ids: ReadonlyMap<string, string>, port: number): void
  close(): void
}

/** Binds UDP 60106 (shared with other peers on this machine) and reports every valid announcement. */
export function openLanBroadcast(
  onAnnouncement: (announcement: LanAnnouncement) => void,
  log: (message: string) => void,
  port = LAN_BROADCAST_PORT,
): Promise<LanBroadcaster> {
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true })
  socket.on('message', (msg, rinfo) => {
    const announcement = parseLanBroadcast(msg, rinfo.address)
    if (announcement) onAnnouncement(announcement)
  })
  socket.on('error', (err) => log(`LAN broadcast socket: ${err.message}`))
  return new Promise((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(port, () => {
      socket.off('error', reject)
      socket.setBroadcast(true)
      resolve({
        announce(ids, myport) {
          for (const [id, peerId] of ids) {
            socket.send(encodeLanBroadcast(id, peerId, myport), port, BROADCAST_ADDRESS, (err) => {
              if (err) log(`LAN broadcast failed: ${err.message}`)
            })
          }
        },
        close: () => socket.close(),
      })
    })
  })
}
