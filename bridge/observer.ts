/**
 * What the tracker publishes for one browser's IDs, seen with the bridge's own eyes: a tracker
 * connection per browser peer that registers the IDs the browser registered, under a peer ID of
 * the bridge's (never the browser's: the tracker would hand the browser's registration over to
 * us, and its signals with it). It announces no address, so it is listed as a member nobody can
 * dial. Its peer lists are the only source a dial request is checked against: a browser's word
 * about an address counts for nothing.
 */
import { generatePeerId } from '../src/protocol/access'
import type { ByteStream } from '../src/protocol/stream/byte-stream'
import { runTrackerClient, type TrackerClientHandle } from '../src/protocol/tracker/client-driver'

const OBSERVER_TTL_S = 60

export interface ObserverOptions {
  readonly open: () => Promise<ByteStream>
  readonly software: string
  readonly onClose: (err: Error | undefined) => void
}

export class TrackerObserver {
  private handle: TrackerClientHandle | undefined
  private readonly published = new Map<string, Set<string>>()
  private readonly peerIds = new Map<string, string>()
  /** Settles when the tracker has answered the current set of IDs at least once. */
  private ready: Promise<void>
  private markReady: () => void = () => {}
  private closed = false

  constructor(private readonly options: ObserverOptions) {
    this.ready = new Promise((resolve) => (this.markReady = resolve))
    void this.connect()
  }

  private async connect(): Promise<void> {
    try {
      const stream = await this.options.open()
      if (this.closed) return stream.close()
      this.handle = runTrackerClient(stream, {
        software: this.options.software,
        ttlSeconds: OBSERVER_TTL_S,
        signaling: false,
        onEvent: (event) => {
          if (event.type !== 'peers') return
          this.published.set(event.id, new Set([...event.peers.values()].flat()))
          if ([...this.peerIds.keys()].every((id) => this.published.has(id))) this.markReady()
        },
      })
      this.handle.setIds(this.peerIds)
      this.options.onClose(await this.handle.closed)
    } catch (err) {
      this.options.onClose(err as Error)
    }
  }

  /** Registers exactly `ids` (a browser's complete set, as tracker.register replaces the whole set). */
  watch(ids: readonly string[]): void {
    for (const id of [...this.peerIds.keys()]) if (!ids.includes(id)) this.peerIds.delete(id)
    for (const id of ids) if (!this.peerIds.has(id)) this.peerIds.set(id, generatePeerId())
    for (const id of [...this.published.keys()]) if (!this.peerIds.has(id)) this.published.delete(id)
    this.ready = new Promise((resolve) => (this.markReady = resolve))
    if (ids.every((id) => this.published.has(id))) this.markReady()
    this.handle?.setIds(this.peerIds)
  }

  /** Whether the tracker lists `address` for `id`, waiting up to `waitMs` for its first list. */
  async isPublished(id: string, address: string, waitMs: number): Promise<boolean> {
    if (!this.peerIds.has(id)) return false
    if (!this.published.has(id)) await Promise.race([this.ready, new Promise((r) => setTimeout(r, waitMs))])
    return this.published.get(id)?.has(address) ?? false
  }

  close(): void {
    this.closed = true
    this.handle?.close()
  }
}
