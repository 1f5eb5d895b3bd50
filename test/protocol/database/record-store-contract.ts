/** The `RecordStore` contract, run against every implementation (memory, SQLite). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DatabaseRecord } from '../../../src/protocol/database/record'
import type { RecordStore } from '../../../src/protocol/database/record-store'
import { id, record } from './helpers'

const X = id(0x1)
const Y = id(0x2)
const Z = id(0x3)

async function collect(pages: AsyncIterable<DatabaseRecord[]>): Promise<DatabaseRecord[][]> {
  const all: DatabaseRecord[][] = []
  for await (const page of pages) all.push(page)
  return all
}

export function describeRecordStoreContract(name: string, open: () => Promise<RecordStore>): void {
  describe(`RecordStore contract: ${name}`, () => {
    let store: RecordStore
    beforeEach(async () => {
      store = await open()
    })
    afterEach(async () => {
      await store.close()
    })

    const write = (...records: DatabaseRecord[]): Promise<void> => store.write({ records, state: new Map() })

    it('gets records by uuid and by key, tombstones included', async () => {
      expect(await store.getByUuid(id(0xaa))).toBeUndefined()
      const live = record({ uuid: id(0xaa), key: 'k' })
      const tomb = record({ uuid: id(0xab), key: 'k', deleted: true, value: null })
      await write(live, tomb, record({ uuid: id(0xac), key: 'other' }))
      expect(await store.getByUuid(id(0xaa))).toEqual(live)
      const byKey = await store.getByKey('k')
      expect(byKey.sort((a, b) => a.uuid.localeCompare(b.uuid))).toEqual([live, tomb])
      expect(await store.getByKey('none')).toEqual([])
    })

    it('replaces by uuid, and a changed key leaves the old key', async () => {
      await write(record({ uuid: id(0xaa), key: 'old' }))
      const renamed = record({ uuid: id(0xaa), key: 'new', lastUpdatedRev: 2n })
      await write(renamed)
      expect(await store.getByKey('old')).toEqual([])
      expect(await store.getByKey('new')).toEqual([renamed])
    })

    it('stores 64-bit integers, big JSON integers and signed bytes exactly', async () => {
      const r = record({
        value: {
          size: 3762440519426216896n,
          small: 42,
          float: 1.25,
          text: 'ü',
          list: [null, true, 2n ** 64n],
        },
        lastUpdatedRev: 2n ** 63n - 1n,
        updateTime: -(2n ** 62n),
        vectorClock: new Map([
          [X, 2n ** 63n - 1n],
          [Y, 0n],
        ]),
        signed: { bytes: new Uint8Array([0, 1, 255, 10]), signature: 'AAEC/w==' },
      })
      await write(r)
      expect(await store.getByUuid(r.uuid)).toEqual(r)
      expect((await store.maxRevisions()).get(X)).toBe(2n ** 63n - 1n)
    })

    it('writes records and club state together', async () => {
      expect(await store.getState('revision')).toBeUndefined()
      await store.write({ records: [record()], state: new Map([['revision', '18446744073709551615']]) })
      expect(await store.getState('revision')).toBe('18446744073709551615')
    })

    it('keeps the highest revision per peer', async () => {
      await write(
        record({ uuid: id(0xa1), lastUpdatedBy: X, lastUpdatedRev: 3n }),
        record({ uuid: id(0xa2), lastUpdatedBy: X, lastUpdatedRev: 9n }),
        record({ uuid: id(0xa3), lastUpdatedBy: Y, lastUpdatedRev: 2n }),
      )
      expect(await store.maxRevisions()).toEqual(
        new Map([
          [X, 9n],
          [Y, 2n],
        ]),
      )
    })

    it('answers changedSince in revision order, with unknown peers, in pages', async () => {
      const records: DatabaseRecord[] = []
      let n = 0x100
      for (const [peer, revs] of [
        [X, 6],
        [Y, 4],
        [Z, 3],
      ] as const) {
        for (let rev = 1n; rev <= revs; rev++)
          records.push(record({ uuid: id(n++), lastUpdatedBy: peer, lastUpdatedRev: rev }))
      }
      await write(...records)
      const since = new Map([
        [X, 4n],
        [Y, 0n],
        [id(0x99), 50n],
      ]) // Z is unknown to the client
      const pages = await collect(store.changedSince(since, 2))
      expect(pages.every((p) => p.length <= 2)).toBe(true)
      const got = pages
        .flat()
        .map((r) => `${r.lastUpdatedBy === X ? 'X' : r.lastUpdatedBy === Y ? 'Y' : 'Z'}${r.lastUpdatedRev}`)
      expect(got.sort()).toEqual(['X5', 'X6', 'Y1', 'Y2', 'Y3', 'Y4', 'Z1', 'Z2', 'Z3'])
      const revs = pages.flat().map((r) => r.lastUpdatedRev)
      expect(revs).toEqual([...revs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)))
      expect(
        await collect(
          store.changedSince(
            new Map([
              [X, 6n],
              [Y, 4n],
              [Z, 3n],
            ]),
            2,
          ),
        ),
      ).toEqual([])
    })

    it('orders revisions beyond 2^53 exactly', async () => {
      const big = 2n ** 53n
      await write(
        record({ uuid: id(0xb2), lastUpdatedRev: big + 2n }),
        record({ uuid: id(0xb1), lastUpdatedRev: big + 1n }),
        record({ uuid: id(0xb0), lastUpdatedRev: big }),
      )
      const got = (await collect(store.changedSince(new Map([[id(1), big]]), 10))).flat()
      expect(got.map((r) => r.lastUpdatedRev)).toEqual([big + 1n, big + 2n])
    })
  })
}
