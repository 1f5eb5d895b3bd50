/**
 * LAN discovery (core.md, "LAN Broadcast"): announce every registered ID at start, whenever the
 * IDs change (a new share, a new code) and every minute; each announcement heard for an ID we
 * hold goes to the dialer, and is forgotten if not repeated within a few minutes.
 */
import type { Engine } from '../src/engine/engine'
import { LAN_BROADCAST_PORT, openLanBroadcast, type LanBroadcaster } from '../src/platform/node/lan-broadcast'
import type { PeerDialer } from './dialer'
import type { Log } from './log'

/** core.md: "and every minute or so afterwards". */
const ANNOUNCE_EVERY_MS = 60_000
/** Three missed announcements and the peer is taken to be gone. */
const ANNOUNCEMENT_TTL_MS = 3 * ANNOUNCE_EVERY_MS
/** How often hearing a new peer may make us announce out of turn. */
const ANSWER_INTERVAL_MS = 1_000

export interface LanDiscovery {
  close(): void
}

export async function startLanDiscovery(
  engine: Engine,
  dialer: PeerDialer,
  port: number,
  log: Log,
): Promise<LanDiscovery> {
  const seen = new Set<string>()
  let lastAnswerAtMs = 0
  const broadcaster: LanBroadcaster = await openLanBroadcast((heard) => {
    const ours = engine.peerIdFor(heard.id)
    if (ours === undefined || ours === heard.peerId) return
    dialer.addPeer('lan', heard.id, heard.peerId, heard.address, ANNOUNCEMENT_TTL_MS)
    // A peer we had not heard under this ID (it just joined, say) would otherwise wait up to a
    // minute for our next announcement to learn about us: answer now, at most once per interval.
    const key = `${heard.id} ${heard.peerId} ${heard.address}`
    if (seen.has(key) || Date.now() - lastAnswerAtMs < ANSWER_INTERVAL_MS) return
    seen.add(key)
    lastAnswerAtMs = Date.now()
    log(`heard ${heard.peerId.slice(0, 8)}… at ${heard.address}; announcing ourselves`)
    announce()
  }, log)
  const announce = (): void => broadcaster.announce(engine.registrations(), port)
  const unsubscribe = engine.on((event) => {
    if (event.type === 'registrations') announce()
  })
  const timer = setInterval(announce, ANNOUNCE_EVERY_MS)
  announce()
  log(`broadcasting on UDP ${LAN_BROADCAST_PORT} every ${ANNOUNCE_EVERY_MS / 1000} s`)
  return {
    close() {
      clearInterval(timer)
      unsubscribe()
      broadcaster.close()
    },
  }
}
