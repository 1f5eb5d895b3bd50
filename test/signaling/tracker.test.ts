/** The tracker protocol end to end: real WebSocket and TCP clients against a server on port 0. */
import { afterEach, describe, expect, it } from 'vitest'
import type { SignalingServer } from '../../signaling/server'
import { BRIDGE_ID } from '../../src/protocol/bridge/messages'
import {
  bridgePeer,
  browserPeer,
  randomId,
  randomPeerId,
  PeerPool,
  startedRawClient,
  startServer,
  tcpPeer,
  type TestPeer,
} from './helpers'

let server: SignalingServer | undefined
const pool = new PeerPool()

afterEach(async () => {
  pool.closeAll()
  await server?.close()
  server = undefined
})

const track = (peer: Promise<TestPeer>): Promise<TestPeer> => pool.track(peer)

describe('signaling tracker', () => {
  it('introduces two browser peers and one TCP peer registered under the same ID', async () => {
    server = await startServer()
    const id = randomId()
    const [a, b, c] = [randomPeerId(), randomPeerId(), randomPeerId()]
    const alice = await track(browserPeer(server))
    const bob = await track(browserPeer(server))
    const daemon = await track(tcpPeer(server))
    daemon.handle.setAddresses(['tcp:192.0.2.7:49221', 'utp:192.0.2.7:3824', 'webrtc:forged'])
    alice.handle.setIds(new Map([[id, a]]))
    bob.handle.setIds(new Map([[id, b]]))
    daemon.handle.setIds(new Map([[id, c]]))

    const all = (list: Map<string, string[]>, others: string[]): boolean => others.every((o) => list.has(o))
    const seenByAlice = await alice.peersOf(id, (l) => all(l, [b, c]), 'alice to see bob and the daemon')
    const seenByDaemon = await daemon.peersOf(id, (l) => all(l, [a, b]), 'the daemon to see both browsers')
    await bob.peersOf(id, (l) => all(l, [a, c]), 'bob to see alice and the daemon')

    // Browsers are reachable through the relay; tcp addresses pass verbatim; nobody may claim webrtc: for itself.
    expect(seenByAlice.get(b)).toEqual([`webrtc:${b}`])
    expect(seenByAlice.get(c)).toEqual(['tcp:192.0.2.7:49221', 'utp:192.0.2.7:3824'])
    expect(seenByDaemon.get(a)).toEqual([`webrtc:${a}`])
    expect(seenByAlice.has(a)).toBe(false)
  })

  it('reports the started handshake: TTL clamped into the server range, extension only when asked', async () => {
    server = await startServer(['--min-ttl-s', '30', '--max-ttl-s', '120'])
    const browser = await track(browserPeer(server, 5))
    const daemon = await track(tcpPeer(server, 999))
    const started = (p: TestPeer) =>
      p.events.waitFor((items) => items.find((e) => e.type === 'started'), 'started')
    const b = await started(browser)
    const d = await started(daemon)
    expect(b).toMatchObject({
      ttlSeconds: 30,
      signaling: true,
      greeting: { yourIp: '127.0.0.1', protocol: [1], extensions: ['.org.clearskies.signal'] },
    })
    expect(d).toMatchObject({ ttlSeconds: 120, signaling: false })
  })

  it('removes a silent peer after its TTL and tells the others', async () => {
    server = await startServer(['--min-ttl-s', '1'])
    const id = randomId()
    const live = await track(browserPeer(server, 60))
    const silent = await startedRawClient(server, { ttl: 1 })
    silent.send({ type: 'tracker.register', ids: { [id]: 'ab'.repeat(16) } })
    live.handle.setIds(new Map([[id, randomPeerId()]]))
    await live.peersOf(id, (l) => l.has('ab'.repeat(16)), 'the silent peer listed')
    const closed = await silent.closed
    expect(closed.code).toBe(1001)
    expect(closed.reason).toMatch(/^ttl: silent for longer than its TTL of 1 s/)
    await live.peersOf(id, (l) => l.size === 0, 'the silent peer gone')
  })

  it('keeps a pinging peer past its TTL', async () => {
    server = await startServer(['--min-ttl-s', '1'])
    const id = randomId()
    const pinger = await track(browserPeer(server, 1))
    pinger.handle.setIds(new Map([[id, randomPeerId()]]))
    await new Promise((resolve) => setTimeout(resolve, 2500))
    expect(pinger.handle.state).toBe('started')
    expect(server.connectionCount()).toBe(1)
  })

  it('relays signals only to the addressed peer of the same ID', async () => {
    server = await startServer()
    const id = randomId()
    const otherId = randomId()
    const [a, b, c] = [randomPeerId(), randomPeerId(), randomPeerId()]
    const alice = await track(browserPeer(server))
    const bob = await track(browserPeer(server))
    const carol = await track(browserPeer(server))
    alice.handle.setIds(new Map([[id, a]]))
    bob.handle.setIds(new Map([[id, b]]))
    carol.handle.setIds(new Map([[otherId, c]]))
    await alice.peersOf(id, (l) => l.has(b), 'alice to see bob')

    alice.handle.sendSignal(id, b, { type: 'offer', sdp: 'v=0 alice' })
    const got = await bob.events.waitFor(
      (items) => items.find((e) => e.type === 'signal'),
      'the offer at bob',
    )
    expect(got).toEqual({ type: 'signal', id, from: a, signal: { type: 'offer', sdp: 'v=0 alice' } })
    bob.handle.sendSignal(id, a, { type: 'answer', sdp: 'v=0 bob' })
    await alice.events.waitFor(
      (items) => items.find((e) => e.type === 'signal' && e.from === b),
      'the answer at alice',
    )

    // Carol is not registered under `id`: she can neither send under it nor be reached through it.
    expect(() => carol.handle.sendSignal(id, a, { type: 'offer' })).toThrow(/not registered/)
    alice.handle.sendSignal(id, c, { type: 'offer', sdp: 'misdirected' })
    alice.handle.sendSignal(id, b, { type: 'candidate', n: 1 })
    await bob.events.waitFor(
      (items) => items.find((e) => e.type === 'signal' && e.signal.type === 'candidate'),
      'the candidate at bob',
    )
    expect(carol.events.items.filter((e) => e.type === 'signal')).toEqual([])
  })

  it('closes a connection that forges the sender of a signal', async () => {
    server = await startServer()
    const id = randomId()
    const forger = await startedRawClient(server)
    forger.send({ type: 'tracker.register', ids: { [id]: 'aa'.repeat(16) } })
    forger.send({
      type: '.org.clearskies.signal.relay',
      id,
      from: 'bb'.repeat(16),
      to: 'cc'.repeat(16),
      signal: { type: 'offer' },
    })
    const closed = await forger.closed
    expect(closed.code).toBe(1007)
    expect(closed.reason).toMatch(/"from" b+ is not this connection's peer ID/)
  })

  it('sends peer lists only for IDs the connection registered, and stops after it unregisters', async () => {
    server = await startServer()
    const [mine, theirs] = [randomId(), randomId()]
    const me = await startedRawClient(server)
    const them = await track(browserPeer(server))
    them.handle.setIds(
      new Map([
        [theirs, randomPeerId()],
        [mine, randomPeerId()],
      ]),
    )
    me.send({ type: 'tracker.register', ids: { [mine]: 'ab'.repeat(16) } })
    await me.next('tracker.peers')
    me.send({ type: 'tracker.register', ids: {} })
    await them.peersOf(mine, (l) => !l.has('ab'.repeat(16)), 'the unregistered peer gone')
    them.handle.setAddresses(['tcp:192.0.2.1:1'])
    await them.peersOf(theirs, () => true, 'a refreshed list')
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(me.received.items.filter((b) => b.type === 'tracker.peers').map((b) => b.id)).toEqual([mine])
  })

  it('lets a reconnecting peer take over its registration from the stale connection', async () => {
    server = await startServer()
    const id = randomId()
    const peer = randomPeerId()
    const watcher = await track(browserPeer(server))
    watcher.handle.setIds(new Map([[id, randomPeerId()]]))
    const old = await track(tcpPeer(server))
    old.handle.setAddresses(['tcp:192.0.2.1:1'])
    old.handle.setIds(new Map([[id, peer]]))
    await watcher.peersOf(id, (l) => l.get(peer)?.[0] === 'tcp:192.0.2.1:1', 'the old connection')
    const fresh = await track(tcpPeer(server))
    fresh.handle.setAddresses(['tcp:192.0.2.2:2'])
    fresh.handle.setIds(new Map([[id, peer]]))
    await watcher.peersOf(id, (l) => l.get(peer)?.[0] === 'tcp:192.0.2.2:2', 'the new connection')
    old.handle.close()
    await old.handle.closed
    await new Promise((resolve) => setTimeout(resolve, 100))
    await watcher.peersOf(
      id,
      (l) => l.get(peer)?.[0] === 'tcp:192.0.2.2:2',
      'the new connection still listed',
    )
  })

  it('keeps the bridge in every BRIDGE_ID list cut to --max-peers, however many browsers registered before it', async () => {
    const token = 'b'.repeat(32)
    server = await startServer(['--max-peers', '3'], { CLEARSKIES_BRIDGE_TOKEN: token })
    const browsers: TestPeer[] = []
    for (let i = 0; i < 5; i++) {
      const browser = await track(browserPeer(server))
      browser.handle.setIds(new Map([[BRIDGE_ID, randomPeerId()]]))
      browsers.push(browser)
    }
    await browsers[4]?.peersOf(BRIDGE_ID, (l) => l.size === 3, 'a list cut to 3 browsers')
    const bridge = await track(bridgePeer(server, token))
    const bridgePeerId = randomPeerId()
    bridge.handle.setAddresses(['bridge:tcp:192.0.2.9:4000'])
    bridge.handle.setIds(new Map([[BRIDGE_ID, bridgePeerId]]))
    const late = await track(browserPeer(server))
    late.handle.setIds(new Map([[BRIDGE_ID, randomPeerId()]]))
    for (const browser of [...browsers, late]) {
      const list = await browser.peersOf(BRIDGE_ID, (l) => l.has(bridgePeerId), 'the bridge listed')
      expect(list.size).toBe(3)
      expect(list.get(bridgePeerId)).toEqual(['bridge:tcp:192.0.2.9:4000', `webrtc:${bridgePeerId}`])
    }
  })

  it('answers /healthz and shuts down gracefully, telling WebSocket clients why', async () => {
    server = await startServer()
    const res = await fetch(`http://127.0.0.1:${server.httpPort}/healthz`)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'ok', connections: 0 })
    const client = await startedRawClient(server)
    await server.close()
    expect(await client.closed).toEqual({ code: 1001, reason: 'shutdown: the server is shutting down' })
    server = undefined
  })
})
