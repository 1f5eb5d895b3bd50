/**
 * The signaling server: one HTTP port serving the app, /healthz and the tracker over WebSocket
 * (/tracker), one TCP port serving the tracker to TCP peers, and one exchange (memory, or Redis
 * when several instances share the load). This is the composition root; each part is its own module.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type Server as HttpServer } from 'node:http'
import type { AddressInfo, Server as TcpServer } from 'node:net'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { bearerToken, BRIDGE_TOKEN_ENV, BRIDGE_TOKEN_FILE_FLAG, sameToken } from './bridge-token'
import type { SignalingConfig } from './config'
import type { Exchange, ExchangeListener } from './exchange'
import { Hub } from './hub'
import { AddressCounter } from './limits'
import type { Link, LinkPeer } from './link'
import type { Logger } from './log'
import { MemoryExchange } from './memory-exchange'
import { connectRedisExchange } from './redis-exchange'
import { Session, type SessionSettings } from './session'
import { createStaticHandler, plain } from './static'
import { createTcpEndpoint } from './tcp'
import { createWebSocketEndpoint } from './websocket'

export const SOFTWARE = 'clearskies signaling 0.1'
const INSTANCE_ID_BYTES = 6
const LOOP_DELAY_RESOLUTION_MS = 10
const NS_PER_MS = 1e6

export interface SignalingServer {
  readonly instanceId: string
  readonly httpPort: number
  readonly tcpPort: number
  /** Open tracker connections of this instance. */
  connectionCount(): number
  /** Graceful: stop accepting, tell every client, release every registration, then stop. Idempotent. */
  close(): Promise<void>
}

export async function startSignalingServer(config: SignalingConfig, log: Logger): Promise<SignalingServer> {
  const instanceId = randomBytes(INSTANCE_ID_BYTES).toString('hex')
  const serverLog = log.child({ ns: 'signaling', instance: instanceId })
  // The exchange and the hub need each other: the exchange's events go to the hub once it exists.
  let deliver: ExchangeListener = () => {}
  const onEvent: ExchangeListener = (id, event) => deliver(id, event)
  const exchange: Exchange = config.redis
    ? await connectRedisExchange(config.redis, onEvent, serverLog.child({ ns: 'signaling.redis' }))
    : new MemoryExchange(onEvent)
  const hub = new Hub(exchange, config['max-peers'], serverLog.child({ ns: 'signaling.hub' }))
  deliver = hub.onEvent

  const settings: SessionSettings = {
    software: SOFTWARE,
    minTtlSeconds: config['min-ttl-s'],
    maxTtlSeconds: config['max-ttl-s'],
    startTimeoutMs: config['start-timeout-ms'],
    maxMessageBytes: config['max-message-bytes'],
    ratePerSecond: config['rate-per-s'],
    rateBurst: config['rate-burst'],
    maxIds: config['max-ids'],
    maxBufferedBytes: config['max-buffered-bytes'],
  }
  const sessions = new Set<Session>()
  const perAddress = new AddressCounter(config['max-connections-per-address'])
  let sequence = 0
  let closing = false

  const admit = (address: string): { status: number; text: string } | undefined => {
    if (closing) return { status: 503, text: 'Service Unavailable' }
    if (sessions.size >= config['max-connections']) return { status: 503, text: 'Service Unavailable' }
    if (!perAddress.hasRoom(address)) return { status: 429, text: 'Too Many Requests' }
    return undefined
  }

  const connect = (link: Link): LinkPeer => {
    const connection = (++sequence).toString(36)
    const session = new Session(
      link,
      hub,
      settings,
      `${instanceId}/${connection}`,
      serverLog.child({ ns: 'signaling.session', conn: connection }),
    )
    sessions.add(session)
    perAddress.acquire(link.remoteAddress)
    void session.closed.then(() => {
      sessions.delete(session)
      perAddress.release(link.remoteAddress)
    })
    session.open()
    return {
      receive: (chunk) => session.receive(chunk),
      hangUp: () => void session.close({ code: 'hangup', text: 'the client closed the connection' }),
    }
  }

  const bridgeToken = config.bridgeToken
  if (bridgeToken === undefined)
    serverLog.warn('no bridge token configured: no connection may announce a bridge: address', {
      set: `--${BRIDGE_TOKEN_FILE_FLAG} or $${BRIDGE_TOKEN_ENV}, the same as the bridge's`,
    })
  const authorize = (
    authorization: string | undefined,
    address: string,
  ): { bridge: boolean } | { status: number; text: string } => {
    // Browsers cannot set headers on a WebSocket: only a bridge (or an impostor) sends one.
    if (authorization === undefined) return { bridge: false }
    const token = bearerToken(authorization)
    const reason =
      bridgeToken === undefined
        ? 'this server accepts no bridge token'
        : token === undefined
          ? 'the Authorization header is not a bearer token'
          : sameToken(token, bridgeToken)
            ? undefined
            : 'the bridge token is wrong'
    if (reason === undefined) return { bridge: true }
    serverLog.warn('bridge refused', { address, reason })
    return { status: 401, text: 'Unauthorized' }
  }

  const websocket = createWebSocketEndpoint({
    maxMessageBytes: config['max-message-bytes'],
    trustProxy: config['trust-proxy'],
    admit,
    authorize,
    connect,
  })
  const serveStatic = createStaticHandler(config.static)
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS })
  loopDelay.enable()
  const http = createServer((req, res) => {
    if (req.url === '/healthz') {
      res.setHeader('Cache-Control', 'no-store')
      // The event loop's delay is what every relayed signal waits on: a stall shows here first.
      // Measured since the previous /healthz, so a monitor polling it sees each interval alone.
      const health = {
        status: 'ok',
        instance: instanceId,
        connections: sessions.size,
        rssBytes: process.memoryUsage.rss(),
        loopDelayP99Ms: loopDelay.percentile(99) / NS_PER_MS,
        loopDelayMaxMs: loopDelay.max / NS_PER_MS,
      }
      loopDelay.reset()
      return plain(res, 200, JSON.stringify(health))
    }
    serveStatic(req, res).catch((err: unknown) => {
      serverLog.error('static request failed', { url: req.url, err: String(err) })
      if (!res.headersSent) plain(res, 500, 'internal error')
    })
  })
  http.on('upgrade', websocket.handleUpgrade)
  const tcp = createTcpEndpoint({ admit, connect })

  await Promise.all([listen(http, config.port, config.host), listen(tcp, config['tcp-port'], config.host)])
  const httpPort = (http.address() as AddressInfo).port
  const tcpPort = (tcp.address() as AddressInfo).port
  serverLog.info('listening', {
    host: config.host,
    http: httpPort,
    tcp: tcpPort,
    static: config.static,
    exchange: config.redis ? 'redis' : 'memory',
    bridge: bridgeToken === undefined ? 'none accepted' : 'token required',
  })

  let closed: Promise<void> | undefined
  const close = async (): Promise<void> => {
    closing = true
    serverLog.info('shutting down', { connections: sessions.size })
    const stopped = Promise.all([stopListening(http), stopListening(tcp)])
    const released = Promise.all(
      [...sessions].map((s) => s.close({ code: 'shutdown', text: 'the server is shutting down' })),
    )
    const startedMs = Date.now()
    await withTimeout(released, config['shutdown-timeout-ms'])
    serverLog.info('connections closed', { ms: Date.now() - startedMs, left: sessions.size })
    websocket.close()
    loopDelay.disable()
    http.closeAllConnections()
    await stopped
    await exchange.close()
    serverLog.info('stopped', { ms: Date.now() - startedMs })
  }

  return {
    instanceId,
    httpPort,
    tcpPort,
    connectionCount: () => sessions.size,
    close: () => (closed ??= close()),
  }
}

function listen(server: HttpServer | TcpServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

function stopListening(server: HttpServer | TcpServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()))
}

function withTimeout(work: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    void work.finally(() => {
      clearTimeout(timer)
      resolve()
    })
  })
}
