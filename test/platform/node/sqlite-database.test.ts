/** The database engine over the SQLite store: exact 64-bit values end to end, and throughput. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it, vi } from 'vitest'
import { SqliteRecordStore } from '../../../src/platform/node/sqlite-record-store'
import { Database } from '../../../src/protocol/database/database'
import { updateBody } from '../../../src/protocol/database/record'
import { decodeBody, encodeBody, id, record } from '../../protocol/database/helpers'

const folder = mkdtempSync(join(tmpdir(), 'clearskies-database-'))
afterAll(() => rmSync(folder, { recursive: true, force: true }))

const SELF = id(0x5e1f)
const noSignatures = { verify: async () => false }

async function open(path: string, store = SqliteRecordStore.open(path)): Promise<Database> {
  return Database.open({ store, peerId: SELF, access: 'read_write', verifier: noSignatures, encodeBody })
}

it('keeps revisions, clock members and value integers beyond 2^53 exact through the codec, the engine and SQLite', async () => {
  const path = join(folder, 'exact.sqlite')
  const store = SqliteRecordStore.open(path)
  const db = await open(path, store)
  db.attach('c', { access: 'read_write', send: () => {} })
  const r = record({
    value: { size: 3762440519426216896n, parts: [2n ** 63n + 1n, 9007199254740993n] },
    lastUpdatedRev: 2n ** 63n - 1n,
    vectorClock: new Map([
      [id(1), 2n ** 63n - 2n],
      [id(2), 9007199254740993n],
    ]),
  })
  expect(await db.receive('c', { body: decodeBody(encodeBody(updateBody(r))) })).toEqual({
    result: 'stored',
    record: r,
  })
  // The file is this process's alone while open (exclusive locking): closed, then read afresh.
  await store.close()
  const again = await open(path)
  expect(await again.getByUuid(r.uuid)).toEqual(r)
})

it('applies 10,000 received updates (figure printed, not asserted)', async () => {
  const db = await open(join(folder, 'throughput.sqlite'))
  db.attach('c', { access: 'read_write', send: () => {} })
  const messages = Array.from({ length: 10_000 }, (_, i) => ({
    body: updateBody(
      record({
        uuid: id(0x10000 + i),
        key: `/photos/${i}.jpg`,
        lastUpdatedRev: BigInt(i + 1),
        value: { size: i, sha256: 'ab'.repeat(32) },
      }),
    ),
  }))
  const start = performance.now()
  const outcomes = await Promise.all(messages.map((m) => db.receive('c', m)))
  const ms = performance.now() - start
  console.log(`sqlite-database: 10,000 database.update messages applied into SQLite in ${ms.toFixed(0)} ms`)
  expect(outcomes.every((o) => o.result === 'stored')).toBe(true)
})

it('applies updates that keep arriving while a step runs in that step: one transaction for the burst', async () => {
  const store = SqliteRecordStore.open(join(folder, 'trickle.sqlite'))
  const writes = vi.spyOn(store, 'write')
  const db = await open('', store)
  db.attach('c', { access: 'read_write', send: () => {} })
  const outcomes = []
  // As a link hands them over: one message, then a turn of the microtask queue, then the next.
  for (let i = 0; i < 1_000; i++) {
    outcomes.push(
      db.receive('c', {
        body: updateBody(record({ uuid: id(0x20000 + i), key: `/f${i}`, lastUpdatedRev: BigInt(i + 1) })),
      }),
    )
    await Promise.resolve()
  }
  expect((await Promise.all(outcomes)).every((o) => o.result === 'stored')).toBe(true)
  expect(writes.mock.calls.length).toBeLessThanOrEqual(2)
  expect((await store.maxRevisions()).get(id(1))).toBe(1_000n)
  await store.close()
})

it('answers get for a key from what it last found until a commit writes that key, and sees every change', async () => {
  const store = SqliteRecordStore.open(join(folder, 'holders.sqlite'))
  const reads = vi.spyOn(store, 'getByKey')
  const db = await open('', store)
  db.attach('c', { access: 'read_write', send: () => {} })
  const a = await db.set('/a', { n: 1 })
  let lookups = reads.mock.calls.length
  expect(await db.get('/a')).toEqual(a)
  expect(await db.get('/a')).toEqual(a)
  expect(await db.get('/none')).toBeUndefined()
  expect(await db.get('/none')).toBeUndefined()
  expect(reads.mock.calls.length).toBe(lookups + 2)

  // A newer record of the same key from a peer (a key conflict): the newer one is named, and
  // known without a read (the update was checked against the key's records as it was stored).
  const theirs = record({
    uuid: id(0xbb),
    key: '/a',
    updateTime: a.updateTime + 1n,
    lastUpdatedBy: id(2),
    vectorClock: new Map([[id(2), 1n]]),
  })
  expect(await db.receive('c', { body: updateBody(theirs) })).toMatchObject({ result: 'stored' })
  lookups = reads.mock.calls.length
  expect((await db.get('/a'))?.uuid).toBe(theirs.uuid)
  expect(reads.mock.calls.length).toBe(lookups)
  // The holder renamed away: the old key falls back to the other record, the new key names it.
  await db.change({ uuid: theirs.uuid, key: '/b', value: { n: 2 } })
  expect((await db.get('/a'))?.uuid).toBe(a.uuid)
  expect((await db.get('/b'))?.uuid).toBe(theirs.uuid)
  await db.delete('/b')
  expect(await db.get('/b')).toBeUndefined()
  expect(await db.get('/none')).toBeUndefined()
  // Every answer agrees with the store read afresh.
  await store.close()
  const again = await open(join(folder, 'holders.sqlite'))
  expect((await again.get('/a'))?.uuid).toBe(a.uuid)
  expect(await again.get('/b')).toBeUndefined()
})
