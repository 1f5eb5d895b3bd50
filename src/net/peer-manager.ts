/**
 * Finds and connects this browser's peers: keeps a tracker connection to the signaling server
 * (registering the engine's IDs), and for each peer the tracker lists sets up WebRTC through the
 * signal relay, then hands the open data channel to the engine worker. Of two browser peers, the
 * one with the smaller peer ID offers; the one that answers is the TLS server (DESIGN.md).
 */
import { proxy, transfer, type Remote } from 'comlink'
import type { EngineHost } from '../platform/browser/engine-host'
import { WEBRTC_SCHEME } from '../protocol/tracker/addresses'
import { runTrackerClient, type TrackerClientHandle } from '../protocol/tracker/client-driver'
import type { JsonObject } from '../protocol/wire/json-value'
import { pumpDataChannel } from './data-channel-pump'
import { RtcLink } from './rtc-link'
import { openWebSocketStream } from './websocket-stream'

const TRACKER_TTL_S = 60
const RETRY_MIN_MS = 1_000
const RETRY_MAX_MS = 60_000
/** Peers the tracker listed are looked at again this often, to replace links that dropped. */
const REVISIT_MS = 10_000

export interface PeerManagerOptions {
  readonly trackerUrl: string
  readonly iceServers: readonly RTCIceServer[]
  readonly software: string
  readonly log?: (message: string) => void
}

export type SignalingState = 'connecting' | 'online' | 'offline'

export interface PeerManagerStatus {
  readonly signaling: SignalingState
  readonly error?: string
  /** Links being set up or open, by `id peerId`. */
  readonly links: number
}

export class PeerManager {
  private tracker: TrackerClientHandle | undefined
  private readonly links = new Map<string, RtcLink>()
  private readonly known = new Map<string, Map<string, string[]>>()
  private ids = new Map<string, string>()
  private retryMs = RETRY_MIN_MS
  private stateValue: SignalingState = 'connecting'
  private error: string | undefined
  private stopped = false
  private readonly listeners = new Set<(status: PeerManagerStatus) => void>()

  constructor(
    private readonly host: Remote<EngineHost>,
    private readonly options: PeerManagerOptions,
  ) {}

  get status(): PeerManagerStatus {
    return { signaling: this.stateValue, ...(this.error ? { error: this.error } : {}), links: this.links.size }
  }

  onStatus(listener: (status: PeerManagerStatus) => void): void {
    this.listeners.add(listener)
    listener(this.status)
  }

  private setState(state: SignalingState, error?: string): void {
    this.stateValue = state
    this.error = error
    for (const listener of this.listeners) listener(this.status)
  }

  async start(): Promise<void> {
    await this.host.onRegistrations(
      proxy((ids: Array<[string, string]>) => {
        this.ids = new Map(ids)
        this.tracker?.setIds(this.ids)
      }),
    )
    setInterval(() => this.revisit(), REVISIT_MS)
    void this.connectTracker()
  }

  stop(): void {
    this.stopped = true
    this.tracker?.close()
    for (const link of this.links.values()) link.destroy()
  }

  private async connectTracker(): Promise<void> {
    this.setState('connecting')
    try {
      const stream = await openWebSocketStream(this.options.trackerUrl)
      this.tracker = runTrackerClient(stream, {
        software: this.options.software,
        ttlSeconds: TRACKER_TTL_S,
        signaling: true,
        onEvent: (event) => {
          if (event.type === 'started') {
            this.retryMs = RETRY_MIN_MS
            this.setState('online')
            this.tracker?.setIds(this.ids)
          } else if (event.type === 'peers') {
            this.known.set(event.id, event.peers)
            void this.consider(event.id)
          } else {
            void this.onSignal(event.id, event.from, event.signal)
          }
        },
      })
      const err = await this.tracker.closed
      this.tracker = undefined
      throw err ?? new Error('the signaling server closed the connection')
    } catch (err) {
      if (this.stopped) return
      this.setState('offline', `${(err as Error).message}; retrying in ${Math.round(this.retryMs / 1000)} s`)
      setTimeout(() => void this.connectTracker(), this.retryMs)
      this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2)
    }
  }

  private revisit(): void {
    for (const id of this.known.keys()) void this.consider(id)
  }

  /** Offers a connection to each browser peer of `id` that we should call (smaller peer ID calls). */
  private async consider(id: string): Promise<void> {
    const ours = this.ids.get(id)
    const peers = this.known.get(id)
    if (!ours || !peers) return
    for (const [peerId, addresses] of peers) {
      const key = `${id} ${peerId}`
      if (peerId === ours || ours > peerId || this.links.has(key)) continue
      if (!addresses.some((a) => a.startsWith(WEBRTC_SCHEME))) continue
      if (!(await this.host.wantsConnection(id, peerId))) continue
      this.open(id, peerId, true)
    }
  }

  private async onSignal(id: string, from: string, signal: JsonObject): Promise<void> {
    const key = `${id} ${from}`
    let link = this.links.get(key)
    if (!link) {
      if (signal.type !== 'offer' || !(await this.host.wantsConnection(id, from))) return
      link = this.open(id, from, false)
    }
    link.signal(signal)
  }

  private open(id: string, peerId: string, initiator: boolean): RtcLink {
    const key = `${id} ${peerId}`
    const link = new RtcLink({
      initiator,
      iceServers: this.options.iceServers,
      sendSignal: (signal) => this.tracker?.sendSignal(id, peerId, signal),
    })
    this.links.set(key, link)
    const where = `webrtc:${peerId}`
    const done = (reason: string): void => {
      this.options.log?.(`link ${where} ended: ${reason}`)
      link.destroy()
      if (this.links.get(key) === link) this.links.delete(key)
      for (const listener of this.listeners) listener(this.status)
    }
    link.opened.then(
      (channel) => {
        const { port1, port2 } = new MessageChannel()
        pumpDataChannel(channel, port1)
        const run = initiator ? this.host.connectOver(id, transfer(port2, [port2]), where) : this.host.accept(transfer(port2, [port2]), where)
        run.then(done, (err: unknown) => done((err as Error).message))
      },
      (err: unknown) => done((err as Error).message),
    )
    for (const listener of this.listeners) listener(this.status)
    return link
  }
}
