/**
 * Who may announce a bridge (docs/protocol-notes/bridge.md, "Who may announce a bridge"): the real
 * signaling server, the real bridge and tracker clients over real WebSocket and TCP on 127.0.0.1.
 * Browsers connect to whoever is listed under BRIDGE_ID with a `bridge:` address, so only the
 * holder of the server's bridge token may be.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { startBridge, type BridgeServer } from '../../bridge/bridge'
import { parseBridgeConfig } from '../../bridge/config'
import { parseSignalingConfig } from '../../signaling/config'
import { createLogger } from '../../signaling/log'
import { startSignalingServer, type SignalingServer } from '../../signaling/server'
import { BRIDGE_ID, BRIDGE_SCHEME } from '../../src/protocol/bridge/messages'
import {
  browserPeer,
  openWebSocket,
  PeerPool,
  randomPeerId,
  startedRawClient,
  tcpPeer,
  trackerUrl,
  WAIT_MS,
  type TestPeer,
} from '../signaling/helpers'

const TOKEN = 'f00d'.repeat(16)
const IMPOSTOR_ADDRESS = 'bridge:tcp:192.0.2.66:4000'

const pool = new PeerPool()
const closers: Array<() => Promise<unknown>> = []

afterEach(async () => {
  pool.closeAll()
  for (const close of closers.splice(0).reverse()) await close()
})

async function startServer(
  env: Record<string, string>,
): Promise<{ server: SignalingServer; lines: string[] }> {
  const lines: string[] = []
  const config = parseSignalingConfig(['--host', '127.0.0.1', '--port', '0', '--tcp-port', '0'], env)
  const server = await startSignalingServer(
    config,
    createLogger('info', (line) => void lines.push(line)),
  )
  closers.push(() => server.close())
  return { server, lines }
}

async function bridgeWith(
  server: SignalingServer,
  env: Record<string, string>,
): Promise<{ bridge: BridgeServer; lines: string[] }> {
  const lines: string[] = []
  const bridge = await startBridge(
    parseBridgeConfig(['--signaling', `http://127.0.0.1:${server.httpPort}`], env),
    createLogger('info', (line) => void lines.push(line)),
  )
  closers.push(() => bridge.close())
  return { bridge, lines }
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

function within<T>(work: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    work,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`)), WAIT_MS),
    ),
  ])
}

/**
 * The `bridge:` addresses a browser joining BRIDGE_ID now is shown. An honest member (a browser
 * announcing nothing) is joined first, so the list awaited is one made after everything before.
 */
async function bridgesListed(server: SignalingServer): Promise<string[]> {
  const honest = await pool.track(browserPeer(server))
  const honestId = randomPeerId()
  honest.handle.setIds(new Map([[BRIDGE_ID, honestId]]))
  const observer = await pool.track(browserPeer(server))
  observer.handle.setIds(new Map([[BRIDGE_ID, randomPeerId()]]))
  const list = await observer.peersOf(BRIDGE_ID, (l) => l.has(honestId), 'the honest member listed')
  return [...list.values()].flat().filter((a) => a.startsWith(BRIDGE_SCHEME))
}

/** A client announcing a `bridge:` address without a token, as an impostor would. */
async function impostor(peer: Promise<TestPeer>): Promise<void> {
  const p = await pool.track(peer)
  p.handle.setAddresses([IMPOSTOR_ADDRESS])
  p.handle.setIds(new Map([[BRIDGE_ID, randomPeerId()]]))
  await within(p.handle.closed, 'the impostor to be closed')
}

describe('who may announce a bridge', () => {
  it('closes a client that announces a bridge: address without the token, over WebSocket or TCP, and never lists it', async () => {
    const { server, lines } = await startServer({ CLEARSKIES_BRIDGE_TOKEN: TOKEN })
    await impostor(browserPeer(server))
    await impostor(tcpPeer(server))
    const raw = await startedRawClient(server)
    raw.send({ type: 'tracker.connection', addresses: ['BRIDGE:tcp:192.0.2.66:4000'] })
    expect(await within(raw.closed, 'the raw client to be closed')).toEqual({
      code: 1008,
      reason: expect.stringMatching(/^forbidden: .*bridge: address needs the bridge token/) as string,
    })
    expect(lines.filter((l) => l.includes('"reason":"forbidden"'))).toHaveLength(3)
    expect(await bridgesListed(server)).toEqual([])
  })

  it('lists the bridge that presents the token, and only it', async () => {
    const { server } = await startServer({ CLEARSKIES_BRIDGE_TOKEN: TOKEN })
    const { bridge } = await bridgeWith(server, { CLEARSKIES_BRIDGE_TOKEN: TOKEN })
    await impostor(browserPeer(server))
    await eventually(() => bridge.online, 'the bridge to register')
    expect(await bridgesListed(server)).toEqual([BRIDGE_SCHEME])
  })

  it('refuses a wrong token at the upgrade (401), and the bridge says what to do', async () => {
    const { server, lines: serverLines } = await startServer({ CLEARSKIES_BRIDGE_TOKEN: TOKEN })
    for (const authorization of [`Bearer ${'0'.repeat(64)}`, `Bearer ${TOKEN}x`, `Basic ${TOKEN}`])
      await expect(
        openWebSocket(trackerUrl(server), { Authorization: authorization }, () => {}),
      ).rejects.toThrow('HTTP 401')
    const { bridge, lines } = await bridgeWith(server, { CLEARSKIES_BRIDGE_TOKEN: 'bad'.repeat(8) })
    await eventually(
      () =>
        lines.some((l) => l.includes('refused the bridge token') && l.includes('CLEARSKIES_BRIDGE_TOKEN')),
      'the bridge to say its token was refused',
    )
    expect(bridge.online).toBe(false)
    expect(serverLines.filter((l) => l.includes('the bridge token is wrong'))).toHaveLength(3)
    expect(await bridgesListed(server)).toEqual([])
  })

  it('lists no bridge when no token is configured, and says so once at start-up', async () => {
    const { server, lines } = await startServer({})
    expect(lines.filter((l) => l.includes('no bridge token configured'))).toHaveLength(1)
    const withToken = await bridgeWith(server, { CLEARSKIES_BRIDGE_TOKEN: TOKEN })
    const without = await bridgeWith(server, {})
    expect(without.lines.some((l) => l.includes('no bridge token'))).toBe(true)
    await eventually(
      () => withToken.lines.some((l) => l.includes('refused the bridge token')),
      'the bridge with a token to be refused',
    )
    await eventually(
      () => without.lines.some((l) => l.includes('refused the bridge: address')),
      'the bridge without a token to be refused',
    )
    // It never claimed to be registered on its way to being refused.
    expect(without.lines.some((l) => l.includes('"msg":"registered with the signaling server'))).toBe(false)
    await impostor(browserPeer(server))
    expect(await bridgesListed(server)).toEqual([])
    expect(lines.filter((l) => l.includes('no bridge token configured'))).toHaveLength(1)
  })
})
