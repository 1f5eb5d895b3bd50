/** Several engines in one process, joined by links through the codec: convergence and conflicts. */
import { beforeAll, describe, expect, it } from 'vitest'
import {
  latestUpdateWins,
  type Conflict,
  type ConflictResolver,
} from '../../../src/protocol/database/conflict'
import { MemoryRecordStore } from '../../../src/protocol/database/memory-record-store'
import type { JsonValue } from '../../../src/protocol/wire/json-value'
import { Cluster, id, record, rsaKeys, type Keys } from './helpers'

let keys: Keys
beforeAll(async () => {
  keys = await rsaKeys()
})

async function liveMap(
  cluster: Cluster,
  name: string,
  keyNames: string[],
): Promise<Record<string, JsonValue | undefined>> {
  const out: Record<string, JsonValue | undefined> = {}
  for (const k of keyNames) out[k] = await cluster.value(name, k)
  return out
}

describe('three peers in a chain (A-B-C, A and C never connected)', () => {
  it('converge through B, for the backlog and for live changes', async () => {
    const c = new Cluster(keys)
    const [a, , cc] = [await c.add('A', 0xa), await c.add('B', 0xb), await c.add('C', 0xc)]
    await a.set('from-a', 1)
    await cc.set('from-c', 2)
    await c.link('A', 'B')
    await c.link('B', 'C')
    for (const p of ['A', 'B', 'C'])
      expect(await liveMap(c, p, ['from-a', 'from-c'])).toEqual({ 'from-a': 1, 'from-c': 2 })
    await a.set('from-a', 10)
    await cc.delete('from-c')
    await c.settle()
    for (const p of ['A', 'B', 'C'])
      expect(await liveMap(c, p, ['from-a', 'from-c'])).toEqual({ 'from-a': 10, 'from-c': undefined })
    expect(c.sent.some((s) => (s.from === 'A' && s.to === 'C') || (s.from === 'C' && s.to === 'A'))).toBe(
      false,
    )
    expect(c.warnings).toEqual([])
  })
})

describe('deleted records (database.md, "Deleted Records")', () => {
  it("the draft's ghost scenario: the record never reappears", async () => {
    const c = new Cluster(keys)
    const [a, b] = [await c.add('A', 0xa), await c.add('B', 0xb), await c.add('C', 0xc)]
    // 1. Peers A, B, and C know about a record.
    const ab = await c.link('A', 'B')
    const bc = await c.link('B', 'C')
    const photo = await a.set('photo', 'v1')
    await c.settle()
    for (const p of ['A', 'B', 'C']) expect(await c.value(p, 'photo')).toBe('v1')
    // 2. Only peers A and B are running.
    c.unlink(bc)
    // 3. The record is deleted on A.
    await a.delete('photo')
    await c.settle()
    // 4. B also deletes its record (it holds the tombstone; deleting again changes nothing).
    expect(await b.delete('photo')).toMatchObject({ deleted: true })
    // 5. A disconnects.
    c.unlink(ab)
    // 6. C connects to B. C still has the record; B keeps its tombstone, and C learns of it.
    await c.link('B', 'C')
    expect(await c.value('B', 'photo')).toBeUndefined()
    expect(await c.value('C', 'photo')).toBeUndefined()
    // 7. A reconnects to B. The record does not reappear on A.
    await c.link('A', 'B')
    for (const p of ['A', 'B', 'C']) {
      expect(await c.value(p, 'photo')).toBeUndefined()
      expect((await c.peer(p).getByUuid(photo.uuid))?.deleted).toBe(true)
    }
  })
})

describe('conflicts (database.md, "Conflicts")', () => {
  function spy(inner: ConflictResolver = latestUpdateWins): ConflictResolver & { calls: Conflict[] } {
    const calls: Conflict[] = []
    return Object.assign((conflict: Conflict) => (calls.push(conflict), inner(conflict)), { calls })
  }

  it('concurrent edits: the latest update_time wins everywhere, the clocks merge, the resolver hears of it', async () => {
    const c = new Cluster(keys)
    const ra = spy()
    const rb = spy()
    const [a, b] = [await c.add('A', 0xa, { resolver: ra }), await c.add('B', 0xb, { resolver: rb })]
    const link = await c.link('A', 'B')
    await a.set('doc', 'original')
    await c.settle()
    c.unlink(link)
    const early = await a.set('doc', 'edited on A')
    const late = await b.set('doc', 'edited on B') // the cluster clock only moves forward
    expect(late.updateTime).toBeGreaterThan(early.updateTime)
    await c.link('A', 'B')
    const [onA, onB] = [await a.get('doc'), await b.get('doc')]
    expect(onA?.value).toBe('edited on B')
    expect(onB).toEqual(onA)
    expect(onA?.vectorClock).toEqual(
      new Map([
        [a.peerId, early.vectorClock.get(a.peerId)],
        [b.peerId, late.vectorClock.get(b.peerId)],
      ]),
    )
    expect(ra.calls).toMatchObject([{ kind: 'version', winner: 'incoming' }])
    expect(rb.calls).toMatchObject([{ kind: 'version', winner: 'current' }])
  })

  it('a resolver can keep the loser as a new record, created once', async () => {
    // The peer whose own version lost keeps a copy; the other peer adds nothing.
    const keepLoser: ConflictResolver = (conflict) => ({
      keep: conflict.winner,
      changes:
        conflict.kind === 'version' && conflict.winner === 'incoming'
          ? [{ key: `${conflict.current.key}.CONFLICT`, value: conflict.current.value }]
          : [],
    })
    const c = new Cluster(keys)
    const [a, b] = [
      await c.add('A', 0xa, { resolver: keepLoser }),
      await c.add('B', 0xb, { resolver: keepLoser }),
    ]
    const link = await c.link('A', 'B')
    await a.set('doc', 'original')
    await c.settle()
    c.unlink(link)
    await a.set('doc', 'A')
    await b.set('doc', 'B')
    await c.link('A', 'B')
    for (const p of ['A', 'B'])
      expect(await liveMap(c, p, ['doc', 'doc.CONFLICT'])).toEqual({ doc: 'B', 'doc.CONFLICT': 'A' })
  })

  it('same key, different uuid: both records are kept, every peer names the same one', async () => {
    const c = new Cluster(keys)
    const ra = spy()
    const [a, b] = [await c.add('A', 0xa, { resolver: ra }), await c.add('B', 0xb)]
    const first = await a.set('/notes.txt', 'from A')
    const second = await b.set('/notes.txt', 'from B')
    expect(first.uuid).not.toBe(second.uuid)
    await c.link('A', 'B')
    expect(await a.get('/notes.txt')).toEqual(await b.get('/notes.txt'))
    expect((await a.get('/notes.txt'))?.value).toBe('from B')
    expect(await a.getByUuid(first.uuid)).toEqual(first)
    expect(await a.getByUuid(second.uuid)).toEqual(second)
    expect(ra.calls).toMatchObject([{ kind: 'key', current: first, incoming: second, winner: 'incoming' }])
  })

  it('equal clocks on different versions (two conflicts resolved apart) converge on the default winner', async () => {
    const clock = new Map([
      [id(0xa), 3n],
      [id(0xb), 2n],
    ])
    const older = record({
      value: 'older',
      lastUpdatedBy: id(0xa),
      lastUpdatedRev: 3n,
      vectorClock: clock,
      updateTime: 10n,
    })
    const newer = record({
      value: 'newer',
      lastUpdatedBy: id(0xb),
      lastUpdatedRev: 2n,
      vectorClock: clock,
      updateTime: 20n,
    })
    const storeA = new MemoryRecordStore()
    const storeB = new MemoryRecordStore()
    await storeA.write({ records: [older], state: new Map() })
    await storeB.write({ records: [newer], state: new Map() })
    const c = new Cluster(keys)
    await c.add('A', 0xa, { store: storeA })
    await c.add('B', 0xb, { store: storeB })
    await c.link('A', 'B')
    expect(await c.value('A', 'k')).toBe('newer')
    expect(await c.value('B', 'k')).toBe('newer')
  })

  it('a renamed record (same uuid, new key) follows on every peer', async () => {
    const c = new Cluster(keys)
    const [a] = [await c.add('A', 0xa), await c.add('B', 0xb)]
    await c.link('A', 'B')
    const r = await a.set('/old', 'x')
    await a.change({ uuid: r.uuid, key: '/new', value: 'x' })
    await c.settle()
    expect(await liveMap(c, 'B', ['/old', '/new'])).toEqual({ '/old': undefined, '/new': 'x' })
  })
})

describe('random edits on three peers (seeded)', () => {
  it('end identical once connected', async () => {
    const seed = Number(process.env.DATABASE_SEED ?? Date.now() % 1_000_000)
    let state = seed
    const rand = (n: number): number => {
      state = (state * 1103515245 + 12345) % 2 ** 31
      return state % n
    }
    const c = new Cluster(keys)
    const names = ['A', 'B', 'C']
    for (const [i, n] of names.entries()) await c.add(n, 0xa + i)
    const keyNames = ['k0', 'k1', 'k2', 'k3']
    const links: Array<Awaited<ReturnType<Cluster['link']>> | undefined> = [undefined, undefined]
    for (let step = 0; step < 60; step++) {
      const p = c.peer(names[rand(3)] ?? 'A')
      const key = keyNames[rand(keyNames.length)] ?? 'k0'
      const op = rand(10)
      if (op < 6) await p.set(key, step)
      else if (op < 8) await p.delete(key)
      else {
        const which = rand(2)
        const l = links[which]
        if (l) c.unlink(l)
        links[which] = l ? undefined : await c.link(names[which] ?? 'A', names[which + 1] ?? 'B')
      }
      c.time -= BigInt(rand(3)) * 1_500n // clocks that disagree
      await c.settle()
    }
    for (const l of links) if (l) c.unlink(l)
    await c.link('A', 'B')
    await c.link('B', 'C')
    const maps = await Promise.all(names.map((n) => liveMap(c, n, keyNames)))
    expect(maps[1], `seed ${seed}`).toEqual(maps[0])
    expect(maps[2], `seed ${seed}`).toEqual(maps[0])
  })
})
