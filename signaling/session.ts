/**
 * One client connection speaking core.md's Tracker Protocol, whatever carries it:
 *
 *   awaiting-start --tracker.start--> started --(error, TTL, shutdown, hang-up)--> closed
 *
 * It checks everything at the edge (framing, fields, rate, caps), keeps the connection's IDs and
 * addresses, and hands registrations and relayed signals to the hub. Messages are handled one at
 * a time, in order, even when the exchange is a remote Redis.
 */
import { announceableAddresses, webrtcAddress } from '../src/protocol/tracker/addresses'
import { TrackerFramingError, TrackerMessageError } from '../src/protocol/tracker/errors'
import { encodeTrackerMessage, TrackerMessageDecoder } from '../src/protocol/tracker/framing'
import { BRIDGE_SCHEME } from '../src/protocol/bridge/messages'
import {
  parseTrackerMessage,
  SIGNAL_EXTENSION,
  SIGNAL_RELAY_TYPE,
  toWire,
  TRACKER_PROTOCOL_VERSION,
  type ParsedTrackerMessage,
  type SignalRelay,
  type TrackerStart,
} from '../src/protocol/tracker/messages'
import type { WireBody } from '../src/protocol/wire/message'
import type { Claim, Hub, Member } from './hub'
import { TokenBucket } from './limits'
import type { CloseCode, CloseReason, Link } from './link'
import type { Logger } from './log'

const MS_PER_SECOND = 1000
/** A registration outlives its TTL by this factor in the exchange, so only a crashed instance's linger. */
const EXPIRY_TTL_FACTOR = 2

/** Ordinary ends are quiet (10,000 clients come and go); what a client did wrong, or we did, is a warning. */
const CLOSE_LOG_LEVEL: Record<CloseCode, 'debug' | 'info' | 'warn'> = {
  hangup: 'debug',
  ttl: 'info',
  shutdown: 'debug',
  framing: 'warn',
  message: 'warn',
  protocol: 'warn',
  rate: 'warn',
  limit: 'warn',
  slow: 'warn',
  unavailable: 'warn',
  forbidden: 'warn',
}

export interface SessionSettings {
  software: string
  minTtlSeconds: number
  maxTtlSeconds: number
  startTimeoutMs: number
  maxMessageBytes: number
  ratePerSecond: number
  rateBurst: number
  maxIds: number
  maxBufferedBytes: number
}

export type SessionState = 'awaiting-start' | 'started' | 'closed'

export class Session implements Member {
  private stateValue: SessionState = 'awaiting-start'
  private signalingActive = false
  private ids = new Map<string, string>()
  private addresses: string[] = []
  private ttlMs = 0
  private lastRefreshMs = 0
  private timer: ReturnType<typeof setTimeout> | undefined
  private work: Promise<void> = Promise.resolve()
  private readonly decoder: TrackerMessageDecoder
  private readonly bucket: TokenBucket
  private settleClosed: () => void = () => {}
  /** Settles once the connection's registrations are released. */
  readonly closed = new Promise<void>((resolve) => (this.settleClosed = resolve))

  constructor(
    private readonly link: Link,
    private readonly hub: Hub,
    private readonly settings: SessionSettings,
    readonly owner: string,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.decoder = new TrackerMessageDecoder(settings.maxMessageBytes)
    this.bucket = new TokenBucket(settings.ratePerSecond, settings.rateBurst, now())
  }

  get state(): SessionState {
    return this.stateValue
  }

  get signaling(): boolean {
    return this.signalingActive
  }

  open(): void {
    this.log.debug('connected', { transport: this.link.transport, address: this.link.remoteAddress })
    this.sendWire(
      toWire({
        type: 'tracker.greeting',
        software: this.settings.software,
        maxTtlSeconds: this.settings.maxTtlSeconds,
        minTtlSeconds: this.settings.minTtlSeconds,
        yourIp: this.link.remoteAddress,
        protocol: [TRACKER_PROTOCOL_VERSION],
        extensions: [SIGNAL_EXTENSION],
      }),
    )
    this.timer = setTimeout(
      () =>
        this.close({ code: 'protocol', text: `no tracker.start within ${this.settings.startTimeoutMs} ms` }),
      this.settings.startTimeoutMs,
    )
  }

  /** Bytes from the client, in any split. */
  receive(chunk: Uint8Array): void {
    if (this.stateValue === 'closed') return
    let objects: WireBody[]
    try {
      objects = this.decoder.push(chunk)
    } catch (err) {
      const tooLarge = err instanceof TrackerFramingError && err.code === 'ERR_TRACKER_TOO_LARGE'
      this.close({ code: tooLarge ? 'limit' : 'framing', text: errorText(err) })
      return
    }
    for (const obj of objects) {
      if (!this.bucket.take(this.now())) {
        this.close({
          code: 'rate',
          text: `more than ${this.settings.ratePerSecond} messages/s (burst ${this.settings.rateBurst})`,
        })
        return
      }
      let msg: ParsedTrackerMessage
      try {
        msg = parseTrackerMessage(obj)
      } catch (err) {
        this.close({ code: 'message', text: errorText(err) })
        return
      }
      this.work = this.work.then(() => this.handle(msg)).catch((err: unknown) => this.fail(err))
    }
  }

  send(message: WireBody): void {
    this.sendWire(message)
  }

  evicted(id: string): void {
    this.log.info('registration taken over by a newer connection', { id, peer: this.ids.get(id) })
    this.ids.delete(id)
  }

  /** Idempotent: tells the client why, then releases every registration. */
  close(reason: CloseReason): Promise<void> {
    if (this.stateValue === 'closed') return this.closed
    this.stateValue = 'closed'
    clearTimeout(this.timer)
    this.log[CLOSE_LOG_LEVEL[reason.code]]('closing', { reason: reason.code, detail: reason.text })
    this.link.close(reason)
    const ids = [...this.ids]
    this.ids.clear()
    Promise.all(ids.map(([id, peer]) => this.hub.leave(this, id, peer)))
      .catch((err: unknown) => this.log.warn('release failed', { err: errorText(err) }))
      // A message being handled may still be joining: closed settles once it has released that too.
      .then(() => this.work)
      .finally(() => this.settleClosed())
    return this.closed
  }

  private async handle(msg: ParsedTrackerMessage): Promise<void> {
    if (this.stateValue === 'closed') return
    if (msg.type === 'unknown') return // core.md: "unsupported message types ... should be silently ignored"
    if (this.stateValue === 'awaiting-start') {
      if (msg.type !== 'tracker.start')
        return void this.close({ code: 'protocol', text: `expected tracker.start, got ${msg.type}` })
      return this.start(msg)
    }
    this.timer?.refresh()
    await this.refreshRegistrations()
    switch (msg.type) {
      case 'tracker.start':
        return void this.close({ code: 'protocol', text: 'tracker.start sent twice' })
      case 'tracker.connection':
        // Browsers connect to whoever announces `bridge:` under BRIDGE_ID; an impostor would learn
        // their IDs and could drop their connections. Refused, not stripped: a bridge that lost its
        // token then hears why instead of believing itself online.
        if (!this.link.bridge && msg.addresses.some((a) => a.toLowerCase().startsWith(BRIDGE_SCHEME)))
          return void this.close({
            code: 'forbidden',
            text: `tracker.connection: a ${BRIDGE_SCHEME} address needs the bridge token (Authorization: Bearer on the WebSocket upgrade)`,
          })
        this.addresses = announceableAddresses(msg.addresses)
        await Promise.all([...this.ids].map(([id, peer]) => this.join(id, peer)))
        return
      case 'tracker.register':
        return this.register(msg.ids)
      case SIGNAL_RELAY_TYPE:
        return this.relay(msg)
      default:
        return // tracker.ping only proves we are alive; greeting and peers are ours to send, not to receive
    }
  }

  private start(msg: TrackerStart): void {
    if (msg.protocol !== TRACKER_PROTOCOL_VERSION) {
      return void this.close({
        code: 'protocol',
        text: `tracker protocol ${msg.protocol} is not supported; supported: [${TRACKER_PROTOCOL_VERSION}]`,
      })
    }
    // core.md calls the TTL bounds "guidelines": a TTL outside them is clamped, not refused.
    const ttlSeconds = Math.min(
      this.settings.maxTtlSeconds,
      Math.max(this.settings.minTtlSeconds, msg.ttlSeconds),
    )
    this.ttlMs = ttlSeconds * MS_PER_SECOND
    this.signalingActive = msg.extensions.includes(SIGNAL_EXTENSION)
    this.stateValue = 'started'
    clearTimeout(this.timer)
    this.timer = setTimeout(
      () => this.close({ code: 'ttl', text: `silent for longer than its TTL of ${ttlSeconds} s` }),
      this.ttlMs,
    )
    this.log.debug('started', { software: msg.software, ttl: ttlSeconds, signaling: this.signalingActive })
  }

  private async register(ids: Map<string, string>): Promise<void> {
    if (ids.size > this.settings.maxIds) {
      return void this.close({
        code: 'limit',
        text: `tracker.register: ${ids.size} IDs, more than the maximum ${this.settings.maxIds}`,
      })
    }
    const previous = this.ids
    this.ids = new Map(ids)
    const left = [...previous].filter(([id, peer]) => ids.get(id) !== peer)
    await Promise.all(left.map(([id, peer]) => this.hub.leave(this, id, peer)))
    // Every ID is announced again, so the client gets a fresh peer list for each, as after a first register.
    await Promise.all([...ids].map(([id, peer]) => this.join(id, peer)))
  }

  private async join(id: string, peer: string): Promise<void> {
    if (this.isClosed()) return
    this.lastRefreshMs = this.now()
    await this.hub.join(this, this.claim(id, peer))
    // Closed while the join was on its way (a Redis round trip): close() released the registration
    // before it existed, so it is released again now that it does.
    if (this.isClosed()) await this.hub.leave(this, id, peer)
  }

  /** A method, not a field test: the state changes across the awaits of one handler. */
  private isClosed(): boolean {
    return this.stateValue === 'closed'
  }

  /** Our registration under an ID: our announced addresses, and our relay route if we signal. */
  private claim(id: string, peerId: string): Claim {
    const addresses = this.signalingActive ? [...this.addresses, webrtcAddress(peerId)] : this.addresses
    return { id, peerId, addresses, expiresAtMs: this.now() + EXPIRY_TTL_FACTOR * this.ttlMs }
  }

  private relay(msg: SignalRelay): Promise<void> | undefined {
    if (!this.signalingActive) return // the extension was not activated: an unknown message, ignored
    if (this.ids.get(msg.id) !== msg.from) {
      return void this.close({
        code: 'message',
        text: `${SIGNAL_RELAY_TYPE}: "from" ${msg.from} is not this connection's peer ID under ${msg.id}`,
      })
    }
    if (msg.to === msg.from) return
    return this.hub.relay(msg.id, msg.to, toWire(msg))
  }

  /** Keeps the exchange's expiry ahead of the TTL without writing on every message. */
  private async refreshRegistrations(): Promise<void> {
    const nowMs = this.now()
    if (nowMs - this.lastRefreshMs < this.ttlMs / 2) return
    this.lastRefreshMs = nowMs
    await Promise.all([...this.ids].map(([id, peer]) => this.hub.refresh(this, this.claim(id, peer))))
  }

  private sendWire(message: WireBody): void {
    if (this.stateValue === 'closed') return
    if (this.link.bufferedBytes() > this.settings.maxBufferedBytes) {
      return void this.close({
        code: 'slow',
        text: `more than ${this.settings.maxBufferedBytes} bytes unsent: not reading`,
      })
    }
    this.link.send(encodeTrackerMessage(message))
  }

  private fail(err: unknown): void {
    const code = err instanceof TrackerMessageError ? 'message' : 'unavailable'
    if (this.stateValue !== 'closed') this.log.error('handling a message failed', { err: errorText(err) })
    void this.close({ code, text: errorText(err) })
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
