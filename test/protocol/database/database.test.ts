import { beforeAll, describe, expect, it } from 'vitest'
import type { Conflict } from '../../../src/protocol/database/conflict'
import { Database, type DatabaseOptions } from '../../../src/protocol/database/database'
import { MemoryRecordStore } from '../../../src/protocol/database/memory-record-store'
import type { OutgoingMessage } from '../../../src/protocol/database/messages'
import type { AccessLevel, PeerConnection } from '../../../src/protocol/database/outgoing'
import { parseUpdate, updateBody, type DatabaseRecord } from '../../../src/protocol/database/record'
import type { RecordStore, StoreBatch } from '../../../src/protocol/database/record-store'
import { compareClocks } from '../../../src/protocol/database/vector-clock'
import type { JsonObject } from '../../../src/protocol/wire/json-value'
import { encodeBody, id, overTheWire, record, rsaKeys, type Keys } from './helpers'

const SELF = id(0x5e1f)
const X = id(0x1)
const Y = id(0x2)
const Z = id(0x3)
let keys: Keys

beforeAll(async () => {
  keys = await rsaKeys()
})

async function open(
  store: RecordStore = new MemoryRecordStore(),
  extra: Partial<DatabaseOptions> = {},
): Promise<Database> {
  let t = 1_000_000n
  return Database.open({
    store,
    peerId: SELF,
    access: 'read_write',
    verifier: keys.verifier,
    signer: keys.signer,
    encodeBody,
    now: () => (t += 1n),
    ...extra,
  })
}

function collector(
  access: AccessLevel = 'read_write',
): PeerConnection & { messages: OutgoingMessage[]; bodies(): JsonObject[] } {
  const messages: OutgoingMessage[] = []
  return {
    access,
    messages,
    send: (m) => void messages.push(m),
    bodies: () => messages.map((m) => (m.kind === 'm' ? m.body : overTheWire(m).body)),
  }
}

const update = (r: DatabaseRecord) => ({ body: updateBody(r) })

describe('local changes (database.md, "Requesting Updates")', () => {
  it('counts revisions from one, writes them with the peer ID and advances the clock member (rule 2)', async () => {
    const db = await open()
    const a = await db.set('a', 1)
    const b = await db.set('b', 2)
    const a2 = await db.set('a', 3)
    expect([a.lastUpdatedRev, b.lastUpdatedRev, a2.lastUpdatedRev]).toEqual([1n, 2n, 3n])
    expect(a2.lastUpdatedBy).toBe(SELF)
    expect(a2.uuid).toBe(a.uuid)
    expect(a.vectorClock.get(SELF)).toBe(1n)
    expect(a2.vectorClock.get(SELF)).toBe(3n)
    expect(db.logicalClock).toBe(3n)
    expect(await db.get('a')).toEqual(a2)
  })

  it('deletes by tombstone, ignores deleting what is not there, and revives the uuid on a new set', async () => {
    const db = await open()
    const a = await db.set('a', { x: 1 })
    const tomb = await db.delete('a')
    expect(tomb).toMatchObject({ uuid: a.uuid, deleted: true, lastUpdatedRev: 2n, value: null })
    expect(await db.get('a')).toBeUndefined()
    expect(await db.getByUuid(a.uuid)).toEqual(tomb)
    expect(await db.delete('a')).toEqual(tomb)
    expect(await db.delete('never')).toBeUndefined()
    expect(db.revisionCounter).toBe(2n)
    const again = await db.set('a', { x: 2 })
    expect(again.uuid).toBe(a.uuid)
    expect(again.vectorClock.get(SELF)).toBeGreaterThan(tomb?.vectorClock.get(SELF) ?? 0n)
  })

  it('renames a record by uuid, and refuses a key another live record holds', async () => {
    const db = await open()
    const a = await db.set('a', 1)
    await db.set('b', 2)
    const renamed = await db.change({ uuid: a.uuid, key: 'c', value: 1 })
    expect(renamed?.key).toBe('c')
    expect(await db.get('a')).toBeUndefined()
    await expect(db.change({ uuid: a.uuid, key: 'b', value: 1 })).rejects.toMatchObject({
      code: 'ERR_KEY_TAKEN',
    })
  })

  it('continues its revision counter and logical clock after reopening', async () => {
    const store = new MemoryRecordStore()
    const first = await open(store)
    await first.set('a', 1)
    await first.set('a', 2)
    const second = await open(store)
    expect(second.revisionCounter).toBe(2n)
    expect(second.logicalClock).toBe(first.logicalClock)
    expect((await second.set('b', 1)).lastUpdatedRev).toBe(3n)
  })
})

describe('a local change concurrent with the stored version (LocalChange.concurrent)', () => {
  /** X's version of record `k` is stored; ours is made on an older one, at `ourTime`. */
  async function concurrentChange(ourTime: bigint) {
    const seen: Conflict[] = []
    const db = await open(new MemoryRecordStore(), {
      now: () => ourTime,
      resolver: (conflict) => {
        seen.push(conflict)
        return { keep: conflict.winner, changes: [{ key: 'k.loser', value: 'kept' }] }
      },
    })
    const c = collector()
    db.attach('x', c)
    const xs = record({ updateTime: 1_000n })
    await db.receive('x', update(xs))
    await db.receive('x', { body: { type: 'database.get_updates', since: {} } })
    await db.idle()
    c.messages.length = 0
    const result = await db.change({ key: 'k', value: { n: 2 }, concurrent: true })
    await db.idle()
    return { db, xs, result, seen, sent: c.bodies().map((b) => parseUpdate(b)) }
  }

  it('keeps the later change with a clock that descends from both, the resolver told it is seen only here', async () => {
    const { db, xs, result, seen, sent } = await concurrentChange(2_000n)
    expect(seen).toMatchObject([{ kind: 'version', current: xs, winner: 'incoming', here: true }])
    expect(result).toMatchObject({ uuid: xs.uuid, value: { n: 2 }, lastUpdatedBy: SELF, lastUpdatedRev: 2n })
    expect(compareClocks(result!.vectorClock, xs.vectorClock)).toBe('incoming-newer')
    expect(await db.get('k')).toMatchObject({ value: { n: 2 } })
    // The resolver's change goes first: a peer takes it before the version it keeps is replaced.
    expect(sent.map((r) => [r.key, r.lastUpdatedRev])).toEqual([
      ['k.loser', 1n],
      ['k', 2n],
    ])
  })

  it("stores and sends nothing of it when the stored version is the later one, but the resolver's changes", async () => {
    const { db, xs, result, seen, sent } = await concurrentChange(500n)
    expect(seen).toMatchObject([{ kind: 'version', current: xs, winner: 'current', here: true }])
    expect(result).toEqual(xs)
    expect(await db.get('k')).toEqual(xs)
    expect(sent.map((r) => r.key)).toEqual(['k.loser'])
    expect(db.revisionCounter).toBe(1n)
  })
})

describe('get_updates', () => {
  async function seeded(): Promise<Database> {
    const store = new MemoryRecordStore()
    const records: DatabaseRecord[] = []
    let n = 0x100
    for (const [peer, count] of [
      [X, 5],
      [Y, 3],
      [Z, 2],
    ] as const) {
      for (let rev = 1n; rev <= count; rev++) {
        records.push(
          record({
            uuid: id(n++),
            key: `k${n}`,
            lastUpdatedBy: peer,
            lastUpdatedRev: rev,
            vectorClock: new Map([[peer, rev]]),
          }),
        )
      }
    }
    await store.write({ records, state: new Map() })
    return open(store)
  }

  it('asks with the highest revision held per peer', async () => {
    const db = await seeded()
    const c = collector()
    db.attach('c', c)
    await db.requestUpdates('c')
    await db.idle()
    expect(c.bodies()).toEqual([{ type: 'database.get_updates', since: { [X]: 5n, [Y]: 3n, [Z]: 2n } }])
  })

  it('answers in last_updated_rev order with every newer record, peers missing from `since` included', async () => {
    const db = await seeded()
    const c = collector()
    db.attach('c', c)
    expect(
      await db.receive('c', { body: { type: 'database.get_updates', since: { [X]: 3, [Y]: 0 } } }),
    ).toEqual({ result: 'subscribed' })
    await db.idle()
    const got = c.bodies().map((b) => parseUpdate(b))
    expect(got.map((r) => `${r.lastUpdatedBy.slice(-1)}:${r.lastUpdatedRev}`).sort()).toEqual([
      '1:4',
      '1:5',
      '2:1',
      '2:2',
      '2:3',
      '3:1',
      '3:2',
    ])
    const revs = got.map((r) => r.lastUpdatedRev)
    expect(revs).toEqual([...revs].sort((a, b) => Number(a - b)))
  })

  it('subscribes the client: later changes follow the backlog, in order', async () => {
    const db = await seeded()
    const c = collector()
    db.attach('c', c)
    const asked = db.receive('c', { body: { type: 'database.get_updates', since: {} } })
    const changed = db.set('live', true)
    await Promise.all([asked, changed])
    await db.idle()
    const keys = c.bodies().map((b) => b.key)
    expect(keys).toHaveLength(11)
    expect(keys.at(-1)).toBe('live')
  })

  it('stops answering when the connection is detached', async () => {
    const store = new MemoryRecordStore()
    const records = Array.from({ length: 1200 }, (_, i) =>
      record({ uuid: id(0x1000 + i), key: `k${i}`, lastUpdatedRev: BigInt(i + 1) }),
    )
    await store.write({ records, state: new Map() })
    const db = await open(store)
    let sent = 0
    db.attach('c', {
      access: 'read_write',
      send: () => {
        if (++sent === 10) db.detach('c')
      },
    })
    await db.receive('c', { body: { type: 'database.get_updates', since: {} } })
    await db.idle()
    expect(sent).toBe(10)
  })

  it('sends nothing live to a connection that never asked', async () => {
    const db = await open()
    const c = collector()
    db.attach('c', c)
    await db.set('a', 1)
    await db.idle()
    expect(c.messages).toEqual([])
  })
})

describe('receiving and relaying (database.md, "Record Changes")', () => {
  type Collector = ReturnType<typeof collector>
  async function withThree(): Promise<{
    db: Database
    conns: { c1: Collector; c2: Collector; c3: Collector }
  }> {
    const db = await open()
    const conns = { c1: collector(), c2: collector(), c3: collector() }
    for (const [name, c] of Object.entries(conns)) {
      db.attach(name, c)
      await db.receive(name, { body: { type: 'database.get_updates', since: {} } })
    }
    await db.idle()
    return { db, conns }
  }

  it('relays a new update to every other subscribed connection, never back to the sender', async () => {
    const { db, conns } = await withThree()
    const r = record({ lastUpdatedBy: X })
    expect(await db.receive('c1', update(r))).toEqual({ result: 'stored', record: r })
    await db.idle()
    expect(conns.c1.messages).toEqual([])
    expect(conns.c2.bodies()).toEqual([updateBody(r)])
    expect(conns.c3.bodies()).toEqual([updateBody(r)])
  })

  it('repeats the message as received, unknown keys included', async () => {
    const { db, conns } = await withThree()
    const body = { ...updateBody(record()), '.org.example.note': 'kept' }
    await db.receive('c1', { body })
    await db.idle()
    expect(conns.c2.bodies()).toEqual([body])
  })

  it('discards and does not relay an update already present or older', async () => {
    const { db, conns } = await withThree()
    const r2 = record({ lastUpdatedRev: 2n, vectorClock: new Map([[X, 2n]]), lastUpdatedBy: X })
    await db.receive('c1', update(r2))
    expect(await db.receive('c2', update(r2))).toEqual({ result: 'discarded', reason: 'duplicate' })
    const r1 = record({ lastUpdatedRev: 1n, vectorClock: new Map([[X, 1n]]), lastUpdatedBy: X })
    expect(await db.receive('c3', update(r1))).toEqual({ result: 'discarded', reason: 'older' })
    await db.idle()
    // each heard r2 once, relayed from c1; nothing after
    expect(conns.c2.bodies()).toEqual([updateBody(r2)])
    expect(conns.c3.bodies()).toEqual([updateBody(r2)])
    expect(await db.getByUuid(r2.uuid)).toEqual(r2)
  })

  it('replaces an outdated record and keeps the sender clock; the peer clock ticks (rule 4) and sends tick it (rule 3)', async () => {
    const { db } = await withThree()
    const before = db.logicalClock
    const r = record({ vectorClock: new Map([[X, 4n]]) })
    await db.receive('c1', update(r))
    expect(db.logicalClock).toBe(before + 1n) // rule 4, before the relay went out
    await db.idle()
    expect(db.logicalClock).toBe(before + 3n) // rule 3: one per connection it was sent on
    const newer = record({
      lastUpdatedBy: Y,
      lastUpdatedRev: 7n,
      value: 'new',
      vectorClock: new Map([
        [X, 4n],
        [Y, 1n],
      ]),
    })
    expect(await db.receive('c1', update(newer))).toEqual({ result: 'stored', record: newer })
  })

  it('ignores messages of other extensions and rejects bad ones with a logged reason', async () => {
    const warnings: string[] = []
    const db = await open(undefined, { log: (level, m) => level === 'warn' && warnings.push(m) })
    db.attach('c', collector())
    expect(await db.receive('c', { body: { type: 'directory.present' } })).toEqual({ result: 'ignored' })
    const bad = await db.receive('c', { body: { ...updateBody(record()), last_updated_rev: -1 } })
    expect(bad).toMatchObject({ result: 'rejected', error: { code: 'ERR_DATABASE_FIELD' } })
    expect(await db.receive('nobody', update(record()))).toMatchObject({
      result: 'rejected',
      error: { code: 'ERR_UNKNOWN_CONNECTION' },
    })
    expect(warnings.join('\n')).toMatch(/last_updated_rev/)
  })

  it('applies a burst of updates in few store transactions', async () => {
    const inner = new MemoryRecordStore()
    let writes = 0
    const store: RecordStore = Object.assign(Object.create(inner) as RecordStore, {
      write: (batch: StoreBatch) => {
        writes++
        return inner.write(batch)
      },
    })
    const db = await open(store)
    db.attach('c', collector())
    const results = await Promise.all(
      Array.from({ length: 2000 }, (_, i) =>
        db.receive(
          'c',
          update(record({ uuid: id(0x1000 + i), key: `k${i}`, lastUpdatedRev: BigInt(i + 1) })),
        ),
      ),
    )
    expect(results.every((r) => r.result === 'stored')).toBe(true)
    expect(writes).toBeLessThanOrEqual(2)
    expect((await inner.maxRevisions()).get(id(1))).toBe(2000n)
  })
})
