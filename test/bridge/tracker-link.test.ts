/**
 * The bridge's own connections, without WebRTC: its link to the tracker (a WebSocket to the
 * signaling server) and its TCP listener, against servers on 127.0.0.1 that misbehave.
 */
import net from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { MAX_PENDING_INBOUND, startBridge, type BridgeServer } from '../../bridge/bridge'
import { parseBridgeConfig } from '../../bridge/config'
import { WS_HANDSHAKE_TIMEOUT_MS } from '../../bridge/ws-stream'
import { createLogger } from '../../signaling/log'

const quiet = createLogger('silent')
const WAIT_MS = 3_000
const closers: Array<() => Promise<unknown> | void> = []

afterEach(async () => {
  vi.useRealTimers()
  for (const close of closers.splice(0).reverse()) await close()
})

function listen(onConnection: (socket: net.Socket) => void): Promise<net.Server> {
  return new Promise((resolve) => {
    const server = net.createServer(onConnection)
    server.listen(0, '127.0.0.1', () => resolve(server))
    closers.push(() => new Promise((done) => server.close(done)))
  })
}

describe("the bridge's tracker connection", () => {
  it('gives up on a tracker that accepts TCP but never completes the WebSocket upgrade, and retries', async () => {
    expect(WS_HANDSHAKE_TIMEOUT_MS).toBeGreaterThanOrEqual(10_000)
    expect(WS_HANDSHAKE_TIMEOUT_MS).toBeLessThanOrEqual(15_000)
    // A "signaling server" that reads the upgrade request and never answers it.
    const sockets: net.Socket[] = []
    let arrived: () => void = () => {}
    const stalling = await listen((socket) => {
      socket.resume()
      sockets.push(socket)
      arrived()
    })
    closers.push(() => sockets.forEach((s) => s.destroy()))
    const attempt = (n: number): Promise<void> =>
      new Promise((resolve) => {
        arrived = () => sockets.length >= n && resolve()
        arrived()
      })
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const port = (stalling.address() as net.AddressInfo).port
    const bridge: BridgeServer = await startBridge(
      parseBridgeConfig(['--signaling', `http://127.0.0.1:${port}`]),
      quiet,
    )
    closers.push(() => bridge.close())
    await attempt(1)
    // The handshake deadline, then the first back-off (1 s): the loop must dial again.
    await vi.advanceTimersByTimeAsync(WS_HANDSHAKE_TIMEOUT_MS + 1_000)
    await attempt(2)
    expect(sockets[0]?.destroyed || sockets[0]?.readableEnded).toBe(true)
    expect(bridge.online).toBe(false)
  }, 10_000)
})

/** Resolves with whether the bridge closed the socket within `ms`. */
function closedWithin(socket: net.Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (socket.destroyed || socket.readableEnded) return resolve(true)
    const timer = setTimeout(() => resolve(false), ms)
    socket.once('close', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

describe("the bridge's TCP listener", () => {
  it('closes new connections at once while too many have not sent their ClientHello, logging rarely', async () => {
    const lines: string[] = []
    const log = createLogger('info', (line) => void lines.push(line))
    // The tracker plays no part here: a server that hangs up.
    const tracker = await listen((socket) => socket.destroy())
    const bridge = await startBridge(
      parseBridgeConfig([
        '--signaling',
        `http://127.0.0.1:${(tracker.address() as net.AddressInfo).port}`,
        '--listen',
        '127.0.0.1:0',
      ]),
      log,
    )
    closers.push(() => bridge.close())
    const port = Number((bridge.inbound ?? '').split(':').at(-1))
    const sockets: net.Socket[] = []
    closers.push(() => sockets.forEach((s) => s.destroy()))
    const connect = async (): Promise<net.Socket> => {
      const socket = net.connect(port, '127.0.0.1')
      socket.on('error', () => {})
      sockets.push(socket)
      await new Promise((resolve) => socket.once('connect', resolve))
      return socket
    }
    // Idle connections: none sends a byte. The bridge accepts them in order.
    const idle: net.Socket[] = []
    for (let i = 0; i < MAX_PENDING_INBOUND; i++) idle.push(await connect())
    const extra: net.Socket[] = []
    for (let i = 0; i < 50; i++) extra.push(await connect())
    const closed = await Promise.all(extra.map((s) => closedWithin(s, WAIT_MS)))
    expect(closed.every(Boolean)).toBe(true)
    expect(idle.some((s) => s.destroyed || s.readableEnded)).toBe(false)
    expect(bridge.stats.inboundRefused).toBe(50)
    expect(lines.filter((l) => l.includes('too many connections without a ClientHello'))).toHaveLength(1)

    // A slot that frees is taken again.
    idle[0]?.resetAndDestroy()
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(await closedWithin(await connect(), 300)).toBe(false)
  }, 20_000)
})
