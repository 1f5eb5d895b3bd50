/**
 * The tracker client of core.md as a sans-I/O state machine: messages and clock readings in,
 * messages to send and events out. The daemon drives it over TCP, the browser over the signaling
 * server's WebSocket; `client-driver.ts` is the one thin loop that does the awaiting.
 *
 *   awaiting-greeting --tracker.greeting--> started --close()--> closed
 *
 * On the greeting it answers tracker.start (TTL clamped into the tracker's range, our extension
 * only if offered), then sends the current addresses and IDs; later changes are sent whole, as
 * core.md asks ("a complete tracker.register message, including all known IDs").
 */
import { TrackerProtocolError } from './errors'
import {
  SIGNAL_EXTENSION,
  SIGNAL_RELAY_TYPE,
  TRACKER_PROTOCOL_VERSION,
  type ParsedTrackerMessage,
  type TrackerGreeting,
  type TrackerMessage,
} from './messages'
import type { JsonObject } from '../wire/json-value'

export type TrackerClientState = 'awaiting-greeting' | 'started' | 'closed'

/** Ping twice per TTL, so one late or lost ping does not get us forgotten. */
const PINGS_PER_TTL = 2
const MS_PER_SECOND = 1000

export interface TrackerClientOptions {
  software: string
  /** How often we intend to check in; clamped into the greeting's [min_ttl, max_ttl]. */
  ttlSeconds: number
  /** Ask for the signal-relay extension: set by peers that can answer WebRTC offers (browsers). */
  signaling: boolean
}

export type TrackerClientEvent =
  | { type: 'started'; greeting: TrackerGreeting; ttlSeconds: number; signaling: boolean }
  /** The complete, current peer list of one registered ID; replaces any earlier one. */
  | { type: 'peers'; id: string; peers: Map<string, string[]> }
  | { type: 'signal'; id: string; from: string; signal: JsonObject }

export class TrackerClient {
  private stateValue: TrackerClientState = 'awaiting-greeting'
  private ids = new Map<string, string>()
  private addresses: string[] = []
  private ttlMs = 0
  private lastPingMs = 0
  private signalingActive = false
  private outbox: TrackerMessage[] = []
  private events: TrackerClientEvent[] = []

  constructor(private readonly options: TrackerClientOptions) {}

  get state(): TrackerClientState {
    return this.stateValue
  }

  /** Throws TrackerProtocolError when the tracker breaks the protocol; the connection is then useless. */
  handle(msg: ParsedTrackerMessage, nowMs: number): void {
    if (this.stateValue === 'closed') return
    if (this.stateValue === 'awaiting-greeting') {
      if (msg.type !== 'tracker.greeting')
        throw new TrackerProtocolError(`expected tracker.greeting first, got ${describe(msg)}`)
      this.start(msg, nowMs)
      return
    }
    switch (msg.type) {
      case 'tracker.peers':
        // Only IDs we registered concern us; anything else is a confused or hostile tracker.
        if (this.ids.has(msg.id)) this.events.push({ type: 'peers', id: msg.id, peers: msg.peers })
        return
      case SIGNAL_RELAY_TYPE:
        if (this.signalingActive && this.ids.get(msg.id) === msg.to)
          this.events.push({ type: 'signal', id: msg.id, from: msg.from, signal: msg.signal })
        return
      default:
        return
    }
  }

  /** The complete set of IDs (ID to our peer ID under it); sent whole, replacing the earlier set. */
  setIds(ids: ReadonlyMap<string, string>): void {
    this.ids = new Map([...ids].map(([id, peer]) => [id.toLowerCase(), peer.toLowerCase()]))
    if (this.stateValue === 'started') this.outbox.push({ type: 'tracker.register', ids: new Map(this.ids) })
  }

  /** The complete list of addresses we can be reached at; replaces the earlier list. */
  setAddresses(addresses: readonly string[]): void {
    this.addresses = [...addresses]
    if (this.stateValue === 'started')
      this.outbox.push({ type: 'tracker.connection', addresses: [...this.addresses] })
  }

  /** Relays a WebRTC signal to peer `to` of `id`, from our own peer ID under that ID. */
  sendSignal(id: string, to: string, signal: JsonObject): void {
    if (this.stateValue !== 'started')
      throw new TrackerProtocolError(`cannot relay a signal while ${this.stateValue}`)
    if (!this.signalingActive)
      throw new TrackerProtocolError(`the tracker did not activate ${SIGNAL_EXTENSION}`)
    const from = this.ids.get(id.toLowerCase())
    if (!from) throw new TrackerProtocolError(`cannot relay a signal under ID ${id}: it is not registered`)
    this.outbox.push({ type: SIGNAL_RELAY_TYPE, id: id.toLowerCase(), from, to: to.toLowerCase(), signal })
  }

  /** When the next ping is due, or undefined before the start and after the close. */
  pingDueAtMs(): number | undefined {
    return this.stateValue === 'started' ? this.lastPingMs + this.ttlMs / PINGS_PER_TTL : undefined
  }

  tick(nowMs: number): void {
    const due = this.pingDueAtMs()
    if (due === undefined || nowMs < due) return
    this.lastPingMs = nowMs
    this.outbox.push({ type: 'tracker.ping' })
  }

  /** Messages to send and events to deliver since the last call, in order. */
  take(): { messages: TrackerMessage[]; events: TrackerClientEvent[] } {
    const taken = { messages: this.outbox, events: this.events }
    this.outbox = []
    this.events = []
    return taken
  }

  close(): void {
    this.stateValue = 'closed'
    this.outbox = []
  }

  private start(greeting: TrackerGreeting, nowMs: number): void {
    if (!greeting.protocol.includes(TRACKER_PROTOCOL_VERSION)) {
      throw new TrackerProtocolError(
        `tracker speaks protocol versions [${greeting.protocol.join(', ')}], not ${TRACKER_PROTOCOL_VERSION}`,
      )
    }
    if (greeting.minTtlSeconds > greeting.maxTtlSeconds) {
      throw new TrackerProtocolError(
        `tracker's min_ttl ${greeting.minTtlSeconds} exceeds its max_ttl ${greeting.maxTtlSeconds}`,
      )
    }
    const ttlSeconds = Math.min(
      greeting.maxTtlSeconds,
      Math.max(greeting.minTtlSeconds, this.options.ttlSeconds),
    )
    this.signalingActive = this.options.signaling && greeting.extensions.includes(SIGNAL_EXTENSION)
    this.ttlMs = ttlSeconds * MS_PER_SECOND
    this.lastPingMs = nowMs
    this.stateValue = 'started'
    this.outbox.push({
      type: 'tracker.start',
      software: this.options.software,
      protocol: TRACKER_PROTOCOL_VERSION,
      ttlSeconds,
      extensions: this.signalingActive ? [SIGNAL_EXTENSION] : [],
    })
    if (this.addresses.length > 0)
      this.outbox.push({ type: 'tracker.connection', addresses: [...this.addresses] })
    if (this.ids.size > 0) this.outbox.push({ type: 'tracker.register', ids: new Map(this.ids) })
    this.events.push({ type: 'started', greeting, ttlSeconds, signaling: this.signalingActive })
  }
}

function describe(msg: ParsedTrackerMessage): string {
  return msg.type === 'unknown' ? msg.wireType : msg.type
}
