/**
 * Outgoing connections to every peer discovery found (tracker, LAN), with back-off. Each source
 * reports the complete, current peer list of an ID (core.md: "Subsequent messages about the same
 * club are meant to replace all earlier information"); every second the dialer tries the peers
 * that are due and not yet connected, one attempt at a time per peer, rotating through its
 * addresses. A connection that lasted counts as success and resets the back-off.
 *
 * Codes this device made are not dialled: the newcomer dials their creator, so one join never
 * runs over two connections at once.
 */
import type { Engine } from '../src/engine/engine'
import type { Log } from './log'

const TICK_MS = 1_000
const FIRST_RETRY_MS = 1_000
const MAX_RETRY_MS = 60_000
/** A connection that stayed open this long was a success, whatever ended it. */
const SUCCESS_AFTER_MS = 10_000

export type DiscoverySource = 'tracker' | 'lan'

interface Candidate {
  readonly addresses: readonly string[]
  /** Only entries that expire (LAN announcements) have this. */
  readonly expiresAtMs?: number
}

interface Attempts {
  failures: number
  nextAtMs: number
  nextAddress: number
  busy: boolean
}

export class PeerDialer {
  /** source → ID → peer ID → addresses */
  private readonly known = new Map<DiscoverySource, Map<string, Map<string, Candidate>>>()
  private readonly attempts = new Map<string, Attempts>()
  private readonly timer: ReturnType<typeof setInterval>

  constructor(
    private readonly engine: Engine,
    private readonly log: Log,
    private readonly now: () => number = Date.now,
  ) {
    this.timer = setInterval(() => this.tick(), TICK_MS)
  }

  /** Replaces what `source` knows about the peers of `id`. */
  setPeers(
    source: DiscoverySource,
    id: string,
    peers: ReadonlyMap<string, readonly string[]>,
    ttlMs?: number,
  ): void {
    let byId = this.known.get(source)
    if (!byId) this.known.set(source, (byId = new Map()))
    const candidates = new Map<string, Candidate>()
    const expiresAtMs = ttlMs === undefined ? undefined : this.now() + ttlMs
    for (const [peerId, addresses] of peers) {
      // core.md: "only the tcp and utp psuedo-protocols are known. Clients should ignore other protocols".
      const tcp = addresses.filter((a) => a.startsWith('tcp:'))
      if (tcp.length > 0)
        candidates.set(
          peerId,
          expiresAtMs === undefined ? { addresses: tcp } : { addresses: tcp, expiresAtMs },
        )
    }
    byId.set(id, candidates)
    this.tick()
  }

  /** Adds one peer of `id` (a LAN announcement), keeping the others. */
  addPeer(source: DiscoverySource, id: string, peerId: string, address: string, ttlMs: number): void {
    const current = this.known.get(source)?.get(id) ?? new Map<string, Candidate>()
    const peers = new Map([...current].filter(([p]) => p !== peerId).map(([p, c]) => [p, c.addresses]))
    this.setPeers(source, id, peers.set(peerId, [address]), ttlMs)
  }

  /** Every address discovery knows for `id`. */
  discovered(id: string): string[] {
    const addresses = new Set<string>()
    for (const byId of this.known.values())
      for (const candidate of byId.get(id)?.values() ?? [])
        for (const a of candidate.addresses) addresses.add(a)
    return [...addresses]
  }

  close(): void {
    clearInterval(this.timer)
  }

  private tick(): void {
    const now = this.now()
    const ours = new Set(this.engine.accessCodes.map((g) => g.grant.accessId))
    for (const byId of this.known.values()) {
      for (const [id, peers] of byId) {
        if (ours.has(id)) continue
        for (const [peerId, candidate] of peers) {
          if (candidate.expiresAtMs !== undefined && candidate.expiresAtMs < now) peers.delete(peerId)
          else this.maybeDial(id, peerId, candidate.addresses, now)
        }
      }
    }
  }

  private maybeDial(id: string, peerId: string, addresses: readonly string[], now: number): void {
    const key = `${id} ${peerId}`
    const state = this.attempts.get(key) ?? { failures: 0, nextAtMs: 0, nextAddress: 0, busy: false }
    this.attempts.set(key, state)
    if (state.busy || now < state.nextAtMs || !this.engine.wantsConnection(id, peerId)) return
    const address = addresses[state.nextAddress % addresses.length] as string
    state.busy = true
    const started = now
    this.log(`dialling ${address} for ${id.slice(0, 8)}… (peer ${peerId.slice(0, 8)}…)`)
    void this.engine.connect(id, address, peerId).then((reason) => {
      state.busy = false
      const lasted = this.now() - started
      if (lasted >= SUCCESS_AFTER_MS) state.failures = 0
      else {
        state.failures++
        state.nextAddress++
      }
      const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, state.failures - 1))
      state.nextAtMs = this.now() + delay
      this.log(
        `connection to ${address} ended after ${Math.round(lasted / 1000)} s (${reason}); next try in ${delay / 1000} s`,
      )
    })
  }
}
