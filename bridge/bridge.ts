/**
 * The bridge (issue 9, docs/protocol-notes/bridge.md): browsers reach it by WebRTC, offered
 * through the tracker's signal relay under the well-known BRIDGE_ID, and it relays their
 * connections to raw-TCP ClearSkies peers both ways. It sees only TLS records: TLS-SRP runs between
 * the browser's worker and the TCP peer.
 *
 *   signaling tracker (WebSocket) --offer--> RtcPeer --control channel--> BrowserSession
 *   browser dial  --> DialPolicy + TrackerObserver --> TCP connect --> relay
 *   TCP listener  --> ClientHello SRP username --> the session routed for that ID --> relay
 */
import net from 'node:net'
import { bearerHeader, BRIDGE_TOKEN_ENV, BRIDGE_TOKEN_FILE_FLAG } from '../signaling/bridge-token'
import type { Logger } from '../signaling/log'
import { generatePeerId } from '../src/protocol/access'
import { BRIDGE_ID, BRIDGE_SCHEME } from '../src/protocol/bridge/messages'
import type { ByteStream } from '../src/protocol/stream/byte-stream'
import { runTrackerClient, type TrackerClientHandle } from '../src/protocol/tracker/client-driver'
import { connectTcp } from '../src/platform/node/tcp-stream'
import type { JsonObject } from '../src/protocol/wire/json-value'
import { MAX_FIRST_RECORD_BYTES, routeIdOf } from './client-hello'
import type { BridgeConfig } from './config'
import { DialPolicy } from './policy'
import type { RelayOptions } from './relay'
import { RtcPeer } from './rtc'
import { BrowserSession } from './session'
import { openWsStream, UpgradeRefusedError } from './ws-stream'

export const BRIDGE_SOFTWARE = 'clearskies-bridge 0.1'
const TRACKER_TTL_S = 60
const RETRY_MIN_MS = 1_000
const RETRY_MAX_MS = 30_000
/** An inbound connection must show its ClientHello this soon. */
const HELLO_TIMEOUT_MS = 10_000
/**
 * Inbound connections still waiting for their ClientHello, at most (each may wait HELLO_TIMEOUT_MS):
 * beyond this, a new one is closed at once, so idle connections cannot exhaust file descriptors.
 */
export const MAX_PENDING_INBOUND = 256
/** Connections refused for that are logged at most once per this interval, with their count. */
const PENDING_REFUSAL_LOG_MS = 10_000
const EARLY_SIGNAL_MS = 10_000
const MAX_EARLY_SIGNALS = 32
const MAX_EARLY_SENDERS = 256

export interface BridgeServer {
  /** The announced inbound address (`tcp:HOST:PORT`), or null. */
  readonly inbound: string | null
  /** Browser peers connected now. */
  readonly sessions: number
  /** Whether the signaling server has registered us (browsers can find us). */
  readonly online: boolean
  /** Counters since start, for logs and tests. */
  readonly stats: BridgeStats
  /** Relayed connections open now, over all browser peers. */
  readonly relays: number
  close(): Promise<void>
}

export interface BridgeStats {
  dialled: number
  refused: number
  inbound: number
  inboundRefused: number
}

export interface BridgeHooks {
  /** Sees every relayed byte: the tests check that no plaintext passes. */
  readonly tap?: RelayOptions['tap']
}

export async function startBridge(
  config: BridgeConfig,
  log: Logger,
  hooks: BridgeHooks = {},
): Promise<BridgeServer> {
  const policy = new DialPolicy({ allow: config.allow, allowPrivate: config.allowPrivate })
  const stats: BridgeStats = { dialled: 0, refused: 0, inbound: 0, inboundRefused: 0 }
  const sessions = new Map<string, { readonly session: BrowserSession; readonly rtc: RtcPeer }>()
  /** ID -> the session that asked, last, to receive inbound connections for it. */
  const routes = new Map<string, BrowserSession>()
  const trackerUrl = `${config.signaling.replace(/^http/, 'ws')}/tracker`
  const openTracker = (): Promise<ByteStream> =>
    config.tracker ? connectTcp(config.tracker.host, config.tracker.port) : openWsStream(trackerUrl)

  const listener = config.listen ? await listen(config.listen, (socket) => routeInbound(socket)) : undefined
  const listenPort = listener ? (listener.address() as net.AddressInfo).port : 0
  const publicHost = config.publicHost ?? config.listen?.host ?? ''
  const inbound = listener
    ? `tcp:${publicHost.includes(':') ? `[${publicHost}]` : publicHost}:${listenPort}`
    : null
  const own = new Set(listener ? [`${publicHost}:${listenPort}`, `${config.listen?.host}:${listenPort}`] : [])

  const accepted = new Set<net.Socket>()
  /** Accepted sockets whose ClientHello has not been read yet. */
  const pending = new Set<net.Socket>()
  let unloggedRefusals = 0
  let lastRefusalLogMs = -Infinity
  const refuseOverflow = (socket: net.Socket): void => {
    socket.destroy()
    stats.inboundRefused++
    unloggedRefusals++
    if (Date.now() - lastRefusalLogMs < PENDING_REFUSAL_LOG_MS) return
    lastRefusalLogMs = Date.now()
    log.warn('inbound refused: too many connections without a ClientHello', {
      max: MAX_PENDING_INBOUND,
      refused: unloggedRefusals,
    })
    unloggedRefusals = 0
  }
  const routeInbound = (socket: net.Socket): void => {
    if (pending.size >= MAX_PENDING_INBOUND) return refuseOverflow(socket)
    accepted.add(socket)
    pending.add(socket)
    socket.on('close', () => {
      accepted.delete(socket)
      pending.delete(socket)
    })
    const source = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`
    let head = new Uint8Array(0)
    const timer = setTimeout(() => refuse('no ClientHello in time'), HELLO_TIMEOUT_MS)
    const refuse = (reason: string): void => {
      clearTimeout(timer)
      pending.delete(socket)
      stats.inboundRefused++
      log.info('inbound refused', { source, reason })
      socket.destroy()
    }
    const onData = (chunk: Buffer): void => {
      const joined = new Uint8Array(head.length + chunk.length)
      joined.set(head)
      joined.set(chunk, head.length)
      head = joined
      let id: string | undefined
      try {
        id = routeIdOf(head)
      } catch (err) {
        return refuse((err as Error).message)
      }
      if (id === undefined)
        return void (head.length > MAX_FIRST_RECORD_BYTES && refuse('first record too long'))
      socket.off('data', onData)
      socket.pause()
      clearTimeout(timer)
      pending.delete(socket)
      const session = routes.get(id)
      if (!session) return refuse(`no browser peer is reachable here for ${id.slice(0, 8)}…`)
      if (!session.incoming(socket, id, head))
        return refuse(`${session.name} holds ${config.maxConnectionsPerPeer} connections already`)
      stats.inbound++
      log.info('inbound', { source, id: id.slice(0, 8), session: session.name })
    }
    socket.on('data', onData)
    socket.on('error', () => socket.destroy())
  }

  const setRoutes = (session: BrowserSession, ids: readonly string[]): void => {
    for (const [id, s] of routes) if (s === session && !ids.includes(id)) routes.delete(id)
    for (const id of ids) routes.set(id, session)
  }

  const bridgePeerId = generatePeerId()
  let tracker: TrackerClientHandle | undefined
  let online = false
  let stopped = false
  let retryMs = RETRY_MIN_MS
  let retryTimer: ReturnType<typeof setTimeout> | undefined

  /**
   * Candidates that arrive before their offer (libdatachannel gathers before it hands simple-peer
   * the offer), kept briefly per sender and bounded.
   */
  const early = new Map<string, JsonObject[]>()
  const onSignal = (from: string, signal: JsonObject): void => {
    const known = sessions.get(from)
    if (known) return known.rtc.signal(signal)
    if (signal.type !== 'offer') {
      const held = early.get(from) ?? []
      if (held.length === 0 && early.size >= MAX_EARLY_SENDERS) return
      if (held.length < MAX_EARLY_SIGNALS) held.push(signal)
      if (held.length === 1) setTimeout(() => early.delete(from), EARLY_SIGNAL_MS)
      return void early.set(from, held)
    }
    if (sessions.size >= config.maxPeers)
      return log.warn('browser refused: too many peers', { max: config.maxPeers })
    const name = from.slice(0, 8)
    const rtc = new RtcPeer({
      sendSignal: (s) => tracker?.sendSignal(BRIDGE_ID, from, s),
      ...(config.rtcBind ? { bindAddress: config.rtcBind } : {}),
      onClose: (reason) => {
        sessions.get(from)?.session.close(reason)
        sessions.delete(from)
      },
    })
    const session = new BrowserSession({
      name,
      rtc,
      policy,
      limits: {
        maxRelays: config.maxConnectionsPerPeer,
        bytesPerSecond: config.bytesPerSecondPerPeer,
        idleMs: config.idleMs,
      },
      inbound,
      own,
      openTracker,
      software: BRIDGE_SOFTWARE,
      routeInbound: setRoutes,
      stats,
      ...(hooks.tap ? { tap: hooks.tap } : {}),
      log: log.child({ browser: name }),
    })
    sessions.set(from, { session, rtc })
    log.info('browser peer connecting', { browser: name })
    rtc.signal(signal)
    for (const held of early.get(from) ?? []) rtc.signal(held)
    early.delete(from)
  }

  const tokenHint = `give the bridge the signaling server's bridge token (--${BRIDGE_TOKEN_FILE_FLAG} PATH or $${BRIDGE_TOKEN_ENV})`
  if (config.token === null)
    log.warn('no bridge token: the signaling server will refuse to list this bridge', { fix: tokenHint })
  // Only this connection announces `bridge:`; the sessions' tracker connections announce nothing,
  // so the token never leaves this one.
  const signalingHeaders: Record<string, string> =
    config.token === null ? {} : { Authorization: bearerHeader(config.token) }
  /** What to do about a refusal, in words; undefined for other failures. */
  const refusalAdvice = (err: Error): string | undefined => {
    if (err instanceof UpgradeRefusedError && err.status === 401)
      return `the signaling server refused the bridge token: ${tokenHint}, or configure that token on the server`
    if (/\bforbidden:/.test(err.message))
      return `the signaling server refused the bridge: address: ${tokenHint}`
    return undefined
  }

  let everConnected = false
  const connectSignaling = async (): Promise<void> => {
    try {
      const stream = await openWsStream(trackerUrl, signalingHeaders)
      tracker = runTrackerClient(stream, {
        software: BRIDGE_SOFTWARE,
        ttlSeconds: TRACKER_TTL_S,
        signaling: true,
        onEvent: (event) => {
          if (event.type === 'started') {
            online = true
            everConnected = true
            retryMs = RETRY_MIN_MS
            // Without a token the server refuses the bridge: address the moment it is announced.
            if (config.token === null)
              log.info('connected to the signaling server; announcing without a bridge token', {
                url: trackerUrl,
              })
            else
              log.info('registered with the signaling server', {
                url: trackerUrl,
                inbound: inbound ?? 'none',
              })
          } else if (event.type === 'signal' && event.id === BRIDGE_ID) onSignal(event.from, event.signal)
        },
      })
      tracker.setAddresses([`${BRIDGE_SCHEME}${inbound ?? ''}`])
      tracker.setIds(new Map([[BRIDGE_ID, bridgePeerId]]))
      const err = await tracker.closed
      throw err ?? new Error('the signaling server closed the connection')
    } catch (err) {
      online = false
      tracker = undefined
      if (stopped) return
      const advice = refusalAdvice(err as Error)
      const reason = (err as Error).message
      if (advice) log.error('not registered with the signaling server', { reason: advice, retryMs })
      // Started beside the server (npm start), the bridge may try before the server listens.
      else if (!everConnected) log.info('waiting for the signaling server', { reason, retryMs })
      else log.warn('signaling connection lost', { reason, retryMs })
      retryTimer = setTimeout(() => void connectSignaling(), retryMs)
      retryMs = Math.min(RETRY_MAX_MS, retryMs * 2)
    }
  }
  void connectSignaling()

  return {
    inbound,
    get sessions() {
      return sessions.size
    },
    get online() {
      return online
    },
    stats,
    get relays() {
      return [...sessions.values()].reduce((sum, { session }) => sum + session.relayCount, 0)
    },
    async close() {
      stopped = true
      clearTimeout(retryTimer)
      tracker?.close()
      for (const { session } of sessions.values()) session.close('the bridge is shutting down')
      for (const socket of accepted) socket.destroy()
      if (listener) await new Promise((resolve) => listener.close(resolve))
    },
  }
}

function listen(
  at: { host: string; port: number },
  onConnection: (socket: net.Socket) => void,
): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer({ allowHalfOpen: true }, onConnection)
    server.once('error', reject)
    server.listen(at.port, at.host, () => resolve(server))
  })
}
