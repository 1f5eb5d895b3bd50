/**
 * One browser peer connected to the bridge: its WebRTC connection, the control channel, the
 * tracker observer that checks its dial requests, and its relays, within its limits (connections
 * at once, bytes per second). Everything the browser sends is parsed at the edge
 * (parseBridgeMessage); a malformed message ends the session.
 */
import net from 'node:net'
import type { Logger } from '../signaling/log'
import {
  CONTROL_CHANNEL_ID,
  encodeBridgeMessage,
  FIRST_DIAL_CHANNEL,
  FIRST_INBOUND_CHANNEL,
  MAX_CHANNEL_ID,
  parseBridgeMessage,
  type BridgeMessage,
} from '../src/protocol/bridge/messages'
import type { ByteStream } from '../src/protocol/stream/byte-stream'
import { connectSocket } from '../src/platform/node/tcp-stream'
import type { DialPolicy } from './policy'
import { RateLimiter } from './rate-limiter'
import { relay, type RelayOptions } from './relay'
import type { NodeDataChannel, RtcPeer } from './rtc'
import { TrackerObserver } from './observer'

/** How long a dial request may wait for the tracker's first peer list of its ID. */
const PUBLISHED_WAIT_MS = 5_000
const DIAL_TIMEOUT_MS = 15_000
/** How long the browser has to create its end of an incoming channel. */
const ACCEPT_TIMEOUT_MS = 10_000

export interface SessionLimits {
  readonly maxRelays: number
  /** 0: unlimited. */
  readonly bytesPerSecond: number
  readonly idleMs: number
}

export interface SessionDeps {
  readonly name: string
  readonly rtc: RtcPeer
  readonly policy: DialPolicy
  readonly limits: SessionLimits
  /** The address browsers announce for inbound connections, or null when the bridge does not listen. */
  readonly inbound: string | null
  /** `host:port` forms of the bridge's own listener, never dialled. */
  readonly own: ReadonlySet<string>
  readonly openTracker: () => Promise<ByteStream>
  readonly software: string
  /** Called with the IDs this browser wants inbound connections for (replacing earlier ones). */
  readonly routeInbound: (session: BrowserSession, ids: readonly string[]) => void
  readonly tap?: RelayOptions['tap']
  /** Counts dials made and refused (shared by every session). */
  readonly stats: { dialled: number; refused: number }
  readonly log: Logger
}

export class BrowserSession {
  private control: NodeDataChannel | undefined
  private readonly observer: TrackerObserver
  private readonly limiter: RateLimiter
  /** Relay channels in use (dials and inbound), by channel id. */
  private readonly relays = new Map<number, net.Socket>()
  /** Channels of dials still being checked or connected: they count against the limit already. */
  private readonly dialing = new Set<number>()
  private readonly pendingAccepts = new Map<number, () => void>()
  private nextInbound = FIRST_INBOUND_CHANNEL
  private closed = false

  constructor(private readonly deps: SessionDeps) {
    this.limiter = new RateLimiter(deps.limits.bytesPerSecond)
    this.observer = new TrackerObserver({
      open: deps.openTracker,
      software: deps.software,
      onClose: (err) => this.close(`the tracker observer closed${err ? `: ${err.message}` : ''}`),
    })
    void deps.rtc.connected.then(() => this.openControl())
  }

  private openControl(): void {
    if (this.closed) return
    const control = this.deps.rtc.channel(CONTROL_CHANNEL_ID, 'clearskies')
    this.control = control
    const hello = (): void => this.send({ type: 'hello', inbound: this.deps.inbound })
    if (control.readyState === 'open') hello()
    else control.addEventListener('open', hello)
    control.addEventListener('message', (event) => {
      const data = (event as Event & { data?: unknown }).data
      try {
        if (typeof data !== 'string') throw new Error('a binary message on the control channel')
        this.handle(parseBridgeMessage(data))
      } catch (err) {
        this.close(`bad control message: ${(err as Error).message}`)
      }
    })
    control.addEventListener('close', () => this.close('the control channel closed'))
  }

  get name(): string {
    return this.deps.name
  }

  /** Relayed connections open now. */
  get relayCount(): number {
    return this.relays.size
  }

  private send(message: BridgeMessage): void {
    if (!this.closed && this.control?.readyState === 'open') this.control.send(encodeBridgeMessage(message))
  }

  private handle(message: BridgeMessage): void {
    switch (message.type) {
      case 'watch':
        this.observer.watch(message.ids)
        this.deps.routeInbound(this, message.inbound ? message.ids : [])
        return
      case 'dial':
        void this.dial(message.channel, message.id, message.address)
        return
      case 'accepted':
        this.pendingAccepts.get(message.channel)?.()
        return
      default:
        throw new Error(`${message.type} is not for the bridge`)
    }
  }

  private async dial(channelId: number, id: string, address: string): Promise<void> {
    const log = this.deps.log.child({ channel: channelId, address })
    // Checked and reserved before the first await: dials sent together must not all pass.
    if (channelId % 2 !== FIRST_DIAL_CHANNEL % 2 || this.relays.has(channelId) || this.dialing.has(channelId))
      return this.refuse(channelId, log, `channel ${channelId} is not free for a dial`)
    if (this.inUse() >= this.deps.limits.maxRelays)
      return this.refuse(channelId, log, `more than ${this.deps.limits.maxRelays} connections at once`)
    this.dialing.add(channelId)
    try {
      const published = await this.observer.isPublished(id, address, PUBLISHED_WAIT_MS)
      const target = this.deps.policy.check(address, published, this.deps.own)
      const socket = await connectSocket(target.host, target.port, { timeoutMs: DIAL_TIMEOUT_MS })
      socket.setNoDelay(true)
      if (this.closed) return void socket.destroy()
      this.run(channelId, socket, log)
      this.send({ type: 'dialed', channel: channelId })
      this.deps.stats.dialled++
      log.info('dialled')
    } catch (err) {
      this.refuse(channelId, log, (err as Error).message)
    } finally {
      this.dialing.delete(channelId)
    }
  }

  private refuse(channelId: number, log: Logger, reason: string): void {
    this.deps.stats.refused++
    log.info('dial refused', { reason })
    this.send({ type: 'dialed', channel: channelId, error: reason })
  }

  /** Relays open and dials under way. */
  private inUse(): number {
    return this.relays.size + this.dialing.size
  }

  /**
   * An inbound TCP connection for one of this browser's IDs; `head` holds the bytes read to route
   * it. False if it was refused (over the connection limit).
   */
  incoming(socket: net.Socket, id: string, head: Uint8Array): boolean {
    if (this.inUse() >= this.deps.limits.maxRelays) {
      socket.destroy()
      return false
    }
    void this.relayIncoming(socket, id, head)
    return true
  }

  private async relayIncoming(socket: net.Socket, id: string, head: Uint8Array): Promise<void> {
    const channelId = this.allocateInbound()
    const log = this.deps.log.child({ channel: channelId, from: socket.remoteAddress ?? '?' })
    const accepted = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), ACCEPT_TIMEOUT_MS)
      this.pendingAccepts.set(channelId, () => {
        clearTimeout(timer)
        resolve(true)
      })
    })
    this.relays.set(channelId, socket)
    const channel = this.deps.rtc.channel(channelId, 'tcp')
    this.send({
      type: 'incoming',
      channel: channelId,
      id,
      source: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`,
    })
    const ok = await accepted
    this.pendingAccepts.delete(channelId)
    if (!ok || this.closed) {
      this.relays.delete(channelId)
      channel.close()
      return void socket.destroy()
    }
    this.relayOn(channelId, channel, socket, log, head)
  }

  private allocateInbound(): number {
    for (;;) {
      const id = this.nextInbound
      this.nextInbound = id + 2 > MAX_CHANNEL_ID ? FIRST_INBOUND_CHANNEL : id + 2
      if (!this.relays.has(id)) return id
    }
  }

  private run(channelId: number, socket: net.Socket, log: Logger): void {
    this.relays.set(channelId, socket)
    this.relayOn(channelId, this.deps.rtc.channel(channelId, 'tcp'), socket, log)
  }

  private relayOn(
    channelId: number,
    channel: NodeDataChannel,
    socket: net.Socket,
    log: Logger,
    head?: Uint8Array,
  ): void {
    void relay(channel, socket, {
      ...(head ? { head } : {}),
      idleMs: this.deps.limits.idleMs,
      throttle: (bytes) => this.limiter.take(bytes),
      holdBrowser: (hold) => this.send({ type: hold ? 'pause' : 'resume', channel: channelId }),
      ...(this.deps.tap ? { tap: this.deps.tap } : {}),
    }).then((reason) => {
      this.relays.delete(channelId)
      log.info('relay ended', { reason })
    })
  }

  close(reason: string): void {
    if (this.closed) return
    this.closed = true
    this.deps.log.info('session closed', { reason })
    this.deps.routeInbound(this, [])
    this.observer.close()
    for (const socket of this.relays.values()) socket.destroy()
    this.deps.rtc.close(reason)
  }
}
