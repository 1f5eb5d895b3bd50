/**
 * The bridge's own connections, without WebRTC: its link to the tracker (a WebSocket to the
 * signaling server) and its TCP listener, against servers on 127.0.0.1 that misbehave.
 */
import net from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { startBridge, type BridgeServer } from '../../bridge/bridge'
import { parseBridgeConfig } from '../../bridge/config'
import { WS_HANDSHAKE_TIMEOUT_MS } from '../../bridge/ws-stream'
import { createLogger } from '../../signaling/log'

const quiet = createLogger('silent')
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
