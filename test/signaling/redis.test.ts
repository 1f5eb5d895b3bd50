/** Two server instances sharing state through a real redis-server introduce and relay across instances. */
import { createClient } from 'redis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { SignalingServer } from '../../signaling/server'
import {
  browserPeer,
  randomId,
  randomPeerId,
  PeerPool,
  startedRawClient,
  startServer,
  tcpPeer,
  type TestPeer,
} from './helpers'
import { startRedisServer, type RedisServer } from './redis-server'

let redis: RedisServer
const servers: SignalingServer[] = []
const pool = new PeerPool()

beforeAll(async () => {
  redis = await startRedisServer()
})
afterAll(async () => {
  await redis?.stop()
})
afterEach(async () => {
  pool.closeAll()
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function instance(flags: string[] = []): Promise<SignalingServer> {
  const server = await startServer(['--redis', redis.url, ...flags])
  servers.push(server)
  return server
}

const track = (peer: Promise<TestPeer>): Promise<TestPeer> => pool.track(peer)

describe('signaling through Redis', () => {
  it('introduces peers connected to different instances and relays signals between them', async () => {
    const [east, west] = [await instance(), await instance()]
    expect(east.httpPort).not.toBe(west.httpPort)
    const id = randomId()
    const [a, b, c] = [randomPeerId(), randomPeerId(), randomPeerId()]
    const alice = await track(browserPeer(east))
    const bob = await track(browserPeer(west))
    const daemon = await track(tcpPeer(west))
    daemon.handle.setAddresses(['tcp:192.0.2.9:49221'])
    alice.handle.setIds(new Map([[id, a]]))
    bob.handle.setIds(new Map([[id, b]]))
    daemon.handle.setIds(new Map([[id, c]]))

    const seen = await alice.peersOf(
      id,
      (l) => l.has(b) && l.has(c),
      'alice (east) to see bob and the daemon (west)',
    )
    expect(seen.get(b)).toEqual([`webrtc:${b}`])
    expect(seen.get(c)).toEqual(['tcp:192.0.2.9:49221'])
    await bob.peersOf(id, (l) => l.has(a) && l.has(c), 'bob (west) to see alice (east)')

    alice.handle.sendSignal(id, b, { type: 'offer', sdp: 'east to west' })
    expect(
      await bob.events.waitFor((items) => items.find((e) => e.type === 'signal'), 'the offer at bob'),
    ).toEqual({
      type: 'signal',
      id,
      from: a,
      signal: { type: 'offer', sdp: 'east to west' },
    })
    bob.handle.sendSignal(id, a, { type: 'answer', sdp: 'west to east' })
    await alice.events.waitFor(
      (items) => items.find((e) => e.type === 'signal' && e.from === b),
      'the answer at alice',
    )
    expect(daemon.events.items.filter((e) => e.type === 'signal')).toEqual([])
  })

  it('tells the other instance when a peer leaves, expires, or its instance shuts down', async () => {
    const [east, west] = [await instance(['--min-ttl-s', '1']), await instance(['--min-ttl-s', '1'])]
    const id = randomId()
    const watcher = await track(browserPeer(east))
    watcher.handle.setIds(new Map([[id, randomPeerId()]]))

    const silent = await startedRawClient(west, { ttl: 1 })
    silent.send({ type: 'tracker.register', ids: { [id]: 'aa'.repeat(16) } })
    await watcher.peersOf(id, (l) => l.has('aa'.repeat(16)), 'the silent peer on west')
    await watcher.peersOf(id, (l) => !l.has('aa'.repeat(16)), 'the silent peer expired')

    const leaving = await track(tcpPeer(west))
    leaving.handle.setIds(new Map([[id, 'bb'.repeat(16)]]))
    await watcher.peersOf(id, (l) => l.has('bb'.repeat(16)), 'the TCP peer on west')
    await west.close()
    await watcher.peersOf(id, (l) => l.size === 0, 'west released its peers on shutdown')
  })

  it('refuses to start, saying why, when Redis cannot be reached', async () => {
    const nowhere = await startRedisServer()
    await nowhere.stop()
    await expect(startServer(['--redis', nowhere.url])).rejects.toThrow(
      new RegExp(`cannot connect to Redis at ${nowhere.url}`),
    )
  })

  it('skips and removes registrations a crashed instance left behind', async () => {
    const east = await instance()
    const id = randomId()
    const key = `clearskies:tracker:id:${id}`
    const direct = createClient({ url: redis.url })
    await direct.connect()
    try {
      await direct.hSet(
        key,
        'dd'.repeat(16),
        JSON.stringify({ o: 'crashed/1', a: ['tcp:192.0.2.5:5'], e: Date.now() - 1 }),
      )
      const watcher = await track(browserPeer(east))
      const me = randomPeerId()
      watcher.handle.setIds(new Map([[id, me]]))
      const list = await watcher.peersOf(id, () => true, 'a peer list')
      expect([...list.keys()]).toEqual([])
      expect(Object.keys(await direct.hGetAll(key))).toEqual([me])
    } finally {
      await direct.close()
    }
  })

  it('restores the registrations of live connections after Redis loses them', async () => {
    const [east, west] = [await instance(['--min-ttl-s', '1']), await instance(['--min-ttl-s', '1'])]
    const id = randomId()
    const [a, b] = [randomPeerId(), randomPeerId()]
    const alice = await track(browserPeer(east, 1))
    const bob = await track(browserPeer(west, 1))
    alice.handle.setIds(new Map([[id, a]]))
    bob.handle.setIds(new Map([[id, b]]))
    await alice.peersOf(id, (l) => l.has(b), 'alice to see bob')
    const direct = createClient({ url: redis.url })
    await direct.connect()
    try {
      const before = alice.events.items.length
      await direct.flushAll()
      // Pings every half TTL refresh the registrations, which recreates them.
      await expect
        .poll(async () => Object.keys(await direct.hGetAll(`clearskies:tracker:id:${id}`)).sort(), {
          timeout: 5000,
        })
        .toEqual([a, b].sort())
      await alice.events.waitFor(
        (items) => items.slice(before).find((e) => e.type === 'peers' && e.peers.has(b)),
        'a fresh list after the restore',
      )
    } finally {
      await direct.close()
    }
  })

  it('hands a peer ID over to its newer connection on another instance', async () => {
    const [east, west] = [await instance(), await instance()]
    const id = randomId()
    const peer = randomPeerId()
    const watcher = await track(browserPeer(east))
    watcher.handle.setIds(new Map([[id, randomPeerId()]]))
    const old = await track(browserPeer(east))
    old.handle.setIds(new Map([[id, peer]]))
    await watcher.peersOf(id, (l) => l.has(peer), 'the old connection')
    const fresh = await track(tcpPeer(west))
    fresh.handle.setAddresses(['tcp:192.0.2.3:3'])
    fresh.handle.setIds(new Map([[id, peer]]))
    await watcher.peersOf(id, (l) => l.get(peer)?.[0] === 'tcp:192.0.2.3:3', 'the new connection on west')
    // The stale connection's hang-up must not remove the newer registration.
    old.handle.close()
    await new Promise((resolve) => setTimeout(resolve, 200))
    watcher.handle.setAddresses([])
    await watcher.peersOf(
      id,
      (l) => l.get(peer)?.[0] === 'tcp:192.0.2.3:3',
      'the new connection still listed',
    )
  })
})
