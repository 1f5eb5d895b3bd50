/**
 * Finds and connects this browser's peers: keeps a tracker connection to the signaling server
 * (registering the engine's IDs), and for each peer the tracker lists sets up WebRTC through the
 * signal relay, then hands the open data channel to the engine worker. Of two browser peers, the
 * one with the smaller peer ID offers; the one that answers is the TLS server (DESIGN.md).
 *
 * TCP peers (`tcp:` addresses, no `webrtc:`) are reached through the bridge beside the signaling
 * server, when there is one (src/net/bridge-client.ts); while it accepts inbound connections for
 * us, its `tcp:` address is announced as ours, so TCP peers can dial us too.
 */
import { proxy, transfer, type Remote } from 'comlink'
import type { EngineHost, LinkTransport } from '../platform/browser/engine-host'
import { generatePeerId } from '../protocol/access'
import { BRIDGE_ID, BRIDGE_SCHEME } from '../protocol/bridge/messages'
import { TCP_SCHEME, WEBRTC_SCHEME } from '../protocol/tracker/addresses'
import { runTrackerClient, type TrackerClientHandle } from '../protocol/tracker/client-driver'
import type { JsonObject } from '../protocol/wire/json-value'
import { BridgeClient, type BridgedChannel } from './bridge-client'
import { handOverChannel } from './channel-handover'
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
  /** Reach TCP peers through the bridge beside the signaling server, if it has one (default true). */
  readonly useBridge?: boolean
  readonly log?: (message: string) => void
}

export type SignalingState = 'connecting' | 'online' | 'offline'

export interface PeerManagerStatus {
  readonly signaling: SignalingState
  readonly error?: string
  /** Links being set up or open, by `id peerId`. */
  readonly links: number
  /** Whether a bridge to TCP peers is connected (links through it are `bridge:` places). */
  readonly bridge: boolean
}

/** What the manager keeps of a link being set up or open, WebRTC or bridged. */
interface Link {
  destroy(): void
}

interface BridgeState {
  readonly peerId: string
  readonly client: BridgeClient
  /** Undefined until the bridge said hello; then its address for TCP peers, or null. */
  inbound: string | null | undefined
}

export class PeerManager {
  private tracker: TrackerClientHandle | undefined
  private readonly links = new Map<string, Link>()
  /** Offers (and the signals after them) waiting for the worker to say whether to answer, by `id peerId`. */
  private readonly answering = new Map<string, JsonObject[]>()
  private readonly known = new Map<string, Map<string, string[]>>()
  private ids = new Map<string, string>()
  private retryMs = RETRY_MIN_MS
  private stateValue: SignalingState = 'connecting'
  private error: string | undefined
  private stopped = false
  private revisiting: ReturnType<typeof setInterval> | undefined
  private readonly listeners = new Set<(status: PeerManagerStatus) => void>()
  private bridge: BridgeState | undefined
  /** Our peer ID under BRIDGE_ID: a fresh one, so it says nothing about our shares. */
  private readonly bridgeSelf = generatePeerId()

  constructor(
    private readonly host: Remote<EngineHost>,
    private readonly options: PeerManagerOptions,
  ) {}

  get status(): PeerManagerStatus {
    return {
      signaling: this.stateValue,
      ...(this.error ? { error: this.error } : {}),
      links: this.links.size,
      bridge: this.bridge?.inbound !== undefined,
    }
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
        this.tracker?.setIds(this.trackerIds())
        this.bridge?.client.watch([...this.ids.keys()], true)
      }),
    )
    this.revisiting = setInterval(() => this.revisit(), REVISIT_MS)
    void this.connectTracker()
  }

  /** Ends every link, the tracker connection and the bridge's, and looks at no peer again. */
  stop(): void {
    this.stopped = true
    clearInterval(this.revisiting)
    this.tracker?.close()
    this.bridge?.client.destroy()
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
            this.tracker?.setIds(this.trackerIds())
            if (this.bridge?.inbound) this.tracker?.setAddresses([this.bridge.inbound])
          } else if (event.type === 'peers' && event.id === BRIDGE_ID) {
            this.findBridge(event.peers)
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
      if (peerId === ours || this.links.has(key)) continue
      const webrtc = addresses.some((a) => a.startsWith(WEBRTC_SCHEME))
      const tcp = addresses.find((a) => a.startsWith(TCP_SCHEME))
      // A browser peer is called by the smaller peer ID; a TCP-only peer through the bridge.
      const oursToCall = webrtc ? ours < peerId : tcp !== undefined && this.bridge?.inbound !== undefined
      if (!oursToCall || !(await this.host.wantsConnection(id, peerId))) continue
      // Asked again after the worker answered: another look at this peer may have linked it meanwhile.
      if (this.links.has(key)) continue
      if (webrtc) this.open(id, peerId, true)
      else if (tcp) void this.openBridged(id, peerId, tcp)
    }
  }

  private async onSignal(id: string, from: string, signal: JsonObject): Promise<void> {
    if (id === BRIDGE_ID) return void (from === this.bridge?.peerId && this.bridge.client.signal(signal))
    const key = `${id} ${from}`
    const link = this.links.get(key)
    if (link) {
      if (link instanceof RtcLink) link.signal(signal)
      return
    }
    // The signals that follow an offer (trickled candidates) wait with it while the worker is asked.
    const waiting = this.answering.get(key)
    if (waiting) return void waiting.push(signal)
    if (signal.type !== 'offer') return
    const signals = [signal]
    this.answering.set(key, signals)
    let wanted: boolean
    try {
      wanted = await this.host.wantsConnection(id, from)
    } finally {
      this.answering.delete(key)
    }
    if (!wanted || this.links.has(key)) return
    const answer = this.open(id, from, false)
    for (const queued of signals) answer.signal(queued)
  }

  private open(id: string, peerId: string, initiator: boolean): RtcLink {
    const key = `${id} ${peerId}`
    const link = new RtcLink({
      initiator,
      iceServers: this.options.iceServers,
      sendSignal: (signal) => this.tracker?.sendSignal(id, peerId, signal),
    })
    // Now, in the task that created the channel: the only time Chromium lets it go to the worker.
    const handover = handOverChannel(this.host, link.channel)
    this.links.set(key, link)
    // The place tells the engine (and so the interface) whether a TURN server relays the link.
    let where = `webrtc:${peerId}`
    const done = (reason: string): void => this.ended(key, link, where, reason)
    link.opened.then(
      async () => {
        if (await link.relayed().catch(() => false)) where = `webrtc-relay:${peerId}`
        done(await this.run(id, await handover.transport, initiator, where))
      },
      (err: unknown) => {
        handover.release()
        done((err as Error).message)
      },
    )
    for (const listener of this.listeners) listener(this.status)
    return link
  }

  /** The worker runs TLS and the protocol over the link's bytes; resolves with why the link ended. */
  private run(id: string, transport: LinkTransport, initiator: boolean, where: string): Promise<string> {
    const run = initiator ? this.host.connectOver(id, transport, where) : this.host.accept(transport, where)
    return run.catch((err: unknown) => (err as Error).message)
  }

  /** A bridge's relay channel stays on the page (its hold signal comes from the page's control channel): pumped. */
  private runBridged(
    id: string,
    { channel, holdSending }: BridgedChannel,
    initiator: boolean,
    where: string,
  ): Promise<string> {
    const { port1, port2 } = new MessageChannel()
    pumpDataChannel(channel, port1, { holdSending })
    return this.run(id, transfer({ kind: 'port', port: port2 }, [port2]), initiator, where)
  }

  // --- the bridge to TCP peers ----------------------------------------------------------------

  private trackerIds(): Map<string, string> {
    return this.options.useBridge === false ? this.ids : new Map([...this.ids, [BRIDGE_ID, this.bridgeSelf]])
  }

  /** Connects to the bridge the tracker lists under BRIDGE_ID, unless one is connected already. */
  private findBridge(peers: Map<string, string[]>): void {
    const found = [...peers].find(([, addresses]) => addresses.some((a) => a.startsWith(BRIDGE_SCHEME)))
    if (!found || this.bridge || this.stopped) return
    const [peerId] = found
    const client = new BridgeClient({
      iceServers: this.options.iceServers,
      sendSignal: (signal) => this.tracker?.sendSignal(BRIDGE_ID, peerId, signal),
      onIncoming: (id, source, bridged) => {
        const key = `bridge ${source}`
        const link = { destroy: () => bridged.channel.close() }
        this.links.set(key, link)
        void this.runBridged(id, bridged, false, `bridge:tcp:${source}`).then((reason) =>
          this.ended(key, link, `bridge:tcp:${source}`, reason),
        )
      },
      ...(this.options.log ? { log: this.options.log } : {}),
    })
    const bridge: BridgeState = { peerId, client, inbound: undefined }
    this.bridge = bridge
    void client.ready.then((inbound) => {
      bridge.inbound = inbound
      this.options.log?.(
        `bridge ${peerId.slice(0, 8)} connected${inbound ? `; reachable from TCP peers at ${inbound}` : ''}`,
      )
      client.watch([...this.ids.keys()], true)
      if (inbound) this.tracker?.setAddresses([inbound])
      this.revisit()
      for (const listener of this.listeners) listener(this.status)
    })
    void client.closed.then(() => {
      if (this.bridge?.client === client) this.bridge = undefined
      if (bridge.inbound) this.tracker?.setAddresses([])
      this.options.log?.(`bridge ${peerId.slice(0, 8)} disconnected`)
      for (const listener of this.listeners) listener(this.status)
    })
  }

  /**
   * Connects the share registered as `id` to a TCP peer the person named (`tcp:HOST:PORT`, say a
   * desktop's daemon), through the bridge; resolves with why the link ended, or why the bridge
   * refused (it dials only addresses the tracker published for this share, or that it allows).
   */
  connectTcp(id: string, address: string): Promise<string> {
    if (!this.bridge?.client)
      return Promise.resolve('no bridge is connected: TCP peers are reached through one')
    return this.openBridged(id, address, address)
  }

  /** Dials a TCP peer through the bridge; we are the TLS client. Resolves with why the link ended. */
  private openBridged(id: string, peerId: string, address: string): Promise<string> {
    const client = this.bridge?.client
    if (!client) return Promise.resolve('no bridge is connected')
    const key = `${id} ${peerId}`
    let bridged: BridgedChannel | undefined
    const link = { destroy: () => bridged?.channel.close() }
    this.links.set(key, link)
    const where = `bridge:${address}`
    for (const listener of this.listeners) listener(this.status)
    return client
      .dial(id, address)
      .then(
        (opened) => {
          bridged = opened
          return this.runBridged(id, opened, true, where)
        },
        (err: unknown) => (err as Error).message,
      )
      .then((reason) => {
        this.ended(key, link, where, reason)
        return reason
      })
  }

  private ended(key: string, link: Link, where: string, reason: string): void {
    this.options.log?.(`link ${where} ended: ${reason}`)
    link.destroy()
    if (this.links.get(key) === link) this.links.delete(key)
    for (const listener of this.listeners) listener(this.status)
  }
}
