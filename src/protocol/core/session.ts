/**
 * The core connection as a sans-I/O state machine (core.md, "Handshake", "Key Exchange",
 * "Keep-alive"): message bodies and clock ticks in, actions out. It knows nothing of framing, TLS
 * or sockets; the driver (src/engine) feeds it and carries out what it returns.
 *
 * Decisions where core.md is loose (docs/protocol-notes/core.md):
 * - The creator of the access code sends core.keys as soon as the start exchange is done: a server
 *   creator on receiving core.start, a client creator right after sending it.
 * - Until keys are sent or received, every other message is dropped with a log line.
 * - gzip, when negotiated, starts with the first message after core.start in both directions.
 * - Any message from the peer proves it alive; it is dropped when nothing arrives for the timeout
 *   it announced (or ours, if larger), plus a grace period.
 */
import type { JsonObject } from '../wire/json-value'
import {
  greetingBody,
  KEYS_ACKNOWLEDGMENT_BODY,
  keysBody,
  parseGreeting,
  parseKeys,
  parsePing,
  parseStart,
  pingBody,
  startBody,
  type Keys,
} from './messages'

export const PROTOCOL_VERSIONS: readonly number[] = [1]
export const DEFAULT_PING_TIMEOUT_S = 60
/** Extra time past the announced timeout before a silent peer is dropped: pings queue behind data. */
export const PING_GRACE_MS = 15_000

export type Role = 'server' | 'client'
/** Who holds the keys when this connection was opened with an access code. */
export type KeyExchange = 'none' | 'send' | 'receive'

export interface SessionConfig {
  role: Role
  software: string
  name?: string
  peerId: string
  /** Extensions we support; the server offers them, the client picks the common ones. */
  extensions: readonly string[]
  /** Extensions the share cannot work without: a directory share needs "database" and "directory". */
  requiredExtensions: readonly string[]
  keyExchange: KeyExchange
  /** The keys of the access code's level; called only when keyExchange is "send". */
  keysToSend?: () => Keys
  pingTimeoutS?: number
}

export interface RemotePeer {
  peerId: string
  name?: string
  software: string
  protocol: number
  extensions: string[]
}

export type SessionAction =
  | { type: 'send'; body: JsonObject }
  /** Switch both directions of the framing to gzip from the next message on. */
  | { type: 'compress' }
  /** The peer's keys arrived: store them, then call keysStored() so the acknowledgment goes out. */
  | { type: 'keys-received'; keys: Keys }
  /** The peer acknowledged our keys: a one-time access code is now used up. */
  | { type: 'keys-acknowledged' }
  /** Handshake and key exchange are done; other extensions may start talking. */
  | { type: 'open'; remote: RemotePeer }
  /** A message for the extensions, delivered only once the session is open. */
  | { type: 'deliver'; body: JsonObject }
  | { type: 'log'; message: string }
  | { type: 'close'; reason: string; code: SessionCloseCode }

export type SessionCloseCode =
  'loopback' | 'no-common-version' | 'missing-extension' | 'protocol' | 'timeout' | 'bad-message'

export const SessionState = {
  AwaitingGreeting: 'awaiting-greeting',
  AwaitingStart: 'awaiting-start',
  AwaitingKeys: 'awaiting-keys',
  StoringKeys: 'storing-keys',
  Open: 'open',
  Closed: 'closed',
} as const
export type SessionState = (typeof SessionState)[keyof typeof SessionState]

export class CoreSession {
  private stateValue: SessionState
  private remote: RemotePeer | undefined
  private ownTimeoutS: number
  private remoteTimeoutS = DEFAULT_PING_TIMEOUT_S
  private lastHeardMs: number
  private lastPingSentMs = Number.NEGATIVE_INFINITY

  constructor(
    private readonly config: SessionConfig,
    nowMs: number,
  ) {
    this.stateValue = config.role === 'server' ? SessionState.AwaitingStart : SessionState.AwaitingGreeting
    this.ownTimeoutS = config.pingTimeoutS ?? DEFAULT_PING_TIMEOUT_S
    this.lastHeardMs = nowMs
  }

  get state(): SessionState {
    return this.stateValue
  }

  get remotePeer(): RemotePeer | undefined {
    return this.remote
  }

  /** The first actions: the server greets; the client waits. */
  begin(): SessionAction[] {
    if (this.config.role !== 'server') return []
    return [
      {
        type: 'send',
        body: greetingBody({
          software: this.config.software,
          name: this.config.name,
          protocol: [...PROTOCOL_VERSIONS],
          extensions: [...this.config.extensions],
          peer: this.config.peerId,
        }),
      },
    ]
  }

  /** One message body from the peer. */
  receive(body: JsonObject, nowMs: number): SessionAction[] {
    if (this.stateValue === SessionState.Closed) return []
    this.lastHeardMs = nowMs
    const type = typeof body.type === 'string' ? body.type : ''
    try {
      return this.handle(type, body, nowMs)
    } catch (err) {
      return this.close('bad-message', err instanceof Error ? err.message : String(err))
    }
  }

  /** Proof of life that is not a whole message (a payload chunk): keeps a busy peer from timing out. */
  heard(nowMs: number): void {
    this.lastHeardMs = nowMs
  }

  /** The driver's timer: sends pings when due, and drops a silent peer. */
  tick(nowMs: number): SessionAction[] {
    if (this.stateValue === SessionState.Closed) return []
    const waitS = Math.max(this.remoteTimeoutS, this.ownTimeoutS)
    if (nowMs - this.lastHeardMs > waitS * 1000 + PING_GRACE_MS) {
      return this.close(
        'timeout',
        `no message for ${Math.round((nowMs - this.lastHeardMs) / 1000)} s (timeout ${waitS} s)`,
      )
    }
    if (
      this.stateValue === SessionState.Open &&
      nowMs - this.lastPingSentMs >= (this.ownTimeoutS * 1000) / 2
    ) {
      this.lastPingSentMs = nowMs
      return [{ type: 'send', body: pingBody({ timeoutS: this.ownTimeoutS }) }]
    }
    return []
  }

  /** The received keys are stored: acknowledge them and open the session. */
  keysStored(nowMs: number): SessionAction[] {
    if (this.stateValue !== SessionState.StoringKeys) return []
    return [{ type: 'send', body: KEYS_ACKNOWLEDGMENT_BODY }, ...this.open(nowMs)]
  }

  private handle(type: string, body: JsonObject, nowMs: number): SessionAction[] {
    switch (this.stateValue) {
      case SessionState.AwaitingGreeting:
        if (type !== 'core.greeting')
          return this.close('protocol', `expected core.greeting first, got "${type}"`)
        return this.onGreeting(body, nowMs)
      case SessionState.AwaitingStart:
        if (type !== 'core.start')
          return this.close('protocol', `expected core.start after the greeting, got "${type}"`)
        return this.onStart(body, nowMs)
      case SessionState.AwaitingKeys:
        if (type === 'core.keys') return this.onKeys(body)
        return this.dropped(type, 'before core.keys')
      case SessionState.StoringKeys:
        return this.dropped(type, 'while the keys are being stored')
      case SessionState.Open:
        return this.onOpenMessage(type, body)
      case SessionState.Closed:
        return []
    }
  }

  private onGreeting(body: JsonObject, nowMs: number): SessionAction[] {
    const greeting = parseGreeting(body)
    const version = Math.max(...greeting.protocol.filter((v) => PROTOCOL_VERSIONS.includes(v)))
    if (!Number.isFinite(version)) {
      return this.close(
        'no-common-version',
        `no common protocol version: peer speaks ${greeting.protocol.join(', ') || 'none'}, we speak ${PROTOCOL_VERSIONS.join(', ')}`,
      )
    }
    const extensions = this.config.extensions.filter((e) => greeting.extensions.includes(e))
    const refusal = this.checkPeer(greeting.peer, extensions)
    if (refusal) return refusal
    this.remote = {
      peerId: greeting.peer,
      name: greeting.name,
      software: greeting.software,
      protocol: version,
      extensions,
    }
    const actions: SessionAction[] = [
      {
        type: 'send',
        body: startBody({
          software: this.config.software,
          name: this.config.name,
          protocol: version,
          extensions,
          peer: this.config.peerId,
        }),
      },
    ]
    if (extensions.includes('gzip')) actions.push({ type: 'compress' })
    return [...actions, ...this.afterStart(nowMs)]
  }

  private onStart(body: JsonObject, nowMs: number): SessionAction[] {
    const start = parseStart(body)
    if (!PROTOCOL_VERSIONS.includes(start.protocol)) {
      return this.close(
        'no-common-version',
        `core.start chose protocol ${start.protocol}, which we did not offer`,
      )
    }
    const unoffered = start.extensions.filter((e) => !this.config.extensions.includes(e))
    if (unoffered.length > 0)
      return this.close('protocol', `core.start chose extensions we did not offer: ${unoffered.join(', ')}`)
    const refusal = this.checkPeer(start.peer, start.extensions)
    if (refusal) return refusal
    this.remote = {
      peerId: start.peer,
      name: start.name,
      software: start.software,
      protocol: start.protocol,
      extensions: start.extensions,
    }
    const actions: SessionAction[] = start.extensions.includes('gzip') ? [{ type: 'compress' }] : []
    return [...actions, ...this.afterStart(nowMs)]
  }

  private checkPeer(peerId: string, extensions: readonly string[]): SessionAction[] | undefined {
    if (peerId === this.config.peerId)
      return this.close('loopback', 'connected to ourselves (same peer ID): dropping the loopback connection')
    const missing = this.config.requiredExtensions.filter((e) => !extensions.includes(e))
    if (missing.length > 0)
      return this.close(
        'missing-extension',
        `the peer does not speak the required extensions: ${missing.join(', ')}`,
      )
    return undefined
  }

  private afterStart(nowMs: number): SessionAction[] {
    switch (this.config.keyExchange) {
      case 'none':
        return this.open(nowMs)
      case 'receive':
        this.stateValue = SessionState.AwaitingKeys
        return []
      case 'send': {
        const keys = this.config.keysToSend?.()
        if (!keys)
          return this.close(
            'protocol',
            'this connection was opened with our access code, but there are no keys to send',
          )
        return [{ type: 'send', body: keysBody(keys) }, ...this.open(nowMs)]
      }
    }
  }

  private onKeys(body: JsonObject): SessionAction[] {
    const keys = parseKeys(body)
    this.stateValue = SessionState.StoringKeys
    return [{ type: 'keys-received', keys }]
  }

  private open(nowMs: number): SessionAction[] {
    this.stateValue = SessionState.Open
    this.lastPingSentMs = nowMs
    const remote = this.remote
    if (!remote) return this.close('protocol', 'opened before the handshake named the peer')
    return [
      { type: 'open', remote },
      { type: 'send', body: pingBody({ timeoutS: this.ownTimeoutS }) },
    ]
  }

  private onOpenMessage(type: string, body: JsonObject): SessionAction[] {
    switch (type) {
      case 'core.ping': {
        const { timeoutS } = parsePing(body)
        this.remoteTimeoutS = timeoutS
        // core.md: "A peer should adjust its own timeout to be same as the timeout of its peer if
        // the peer's timeout is greater".
        if (timeoutS > this.ownTimeoutS) this.ownTimeoutS = timeoutS
        return []
      }
      case 'core.keys_acknowledgment':
        return this.config.keyExchange === 'send'
          ? [{ type: 'keys-acknowledged' }]
          : this.dropped(type, 'when we sent no keys')
      case 'core.greeting':
      case 'core.start':
      case 'core.keys':
        return this.dropped(type, 'after the handshake')
      default:
        return [{ type: 'deliver', body }]
    }
  }

  private dropped(type: string, when: string): SessionAction[] {
    return [{ type: 'log', message: `ignored "${type}" ${when}` }]
  }

  private close(code: SessionCloseCode, reason: string): SessionAction[] {
    this.stateValue = SessionState.Closed
    return [{ type: 'close', code, reason }]
  }
}
