import { describe, expect, it } from 'vitest'
import type { DatabaseRecord } from '../../src/protocol/database/record'
import { IdbRecordStore, revKey } from '../../src/platform/browser/idb-record-store'
import { id, record } from '../../test/protocol/database/helpers'
import { describeRecordStoreContract } from '../../test/protocol/database/record-store-contract'

let databases = 0
const nextName = (): string => `records-test-${Date.now()}-${databases++}`

describeRecordStoreContract('IndexedDB', () => IdbRecordStore.open(nextName()))

describe('IdbRecordStore', () => {
  it('encodes revisions as index keys that sort as the numbers do', () => {
    const revs = [0n, 1n, 15n, 16n, 2n ** 53n + 1n, 2n ** 63n - 1n]
    expect(revs.map(revKey)).toEqual(revs.map(revKey).sort())
    expect(revKey(2n ** 63n - 1n)).toBe('7fffffffffffffff')
  })

  it('reads only what a peer lacks, in change order, across runs of several peers', async () => {
    const store = await IdbRecordStore.open(nextName())
    const [A, B, C] = [id(0xa), id(0xb), id(0xc)]
    const records: DatabaseRecord[] = []
    for (let rev = 1n; rev <= 30n; rev++) {
      records.push(record({ uuid: id(0x1000 + Number(rev)), lastUpdatedBy: A, lastUpdatedRev: rev }))
      if (rev % 3n === 0n)
        records.push(record({ uuid: id(0x2000 + Number(rev)), lastUpdatedBy: B, lastUpdatedRev: rev }))
    }
    records.push(record({ uuid: id(0x3000), lastUpdatedBy: C, lastUpdatedRev: 7n }))
    await store.write({ records, state: new Map() })
    const pages: DatabaseRecord[][] = []
    for await (const page of store.changedSince(
      new Map([
        [A, 25n],
        [B, 0n],
      ]),
      4,
    ))
      pages.push(page)
    const got = pages
      .flat()
      .map((r) => `${r.lastUpdatedBy === A ? 'A' : r.lastUpdatedBy === B ? 'B' : 'C'}${r.lastUpdatedRev}`)
    expect(got).toEqual([
      'B3',
      'B6',
      'C7',
      'B9',
      'B12',
      'B15',
      'B18',
      'B21',
      'B24',
      'A26',
      'A27',
      'B27',
      'A28',
      'A29',
      'A30',
      'B30',
    ])
    expect(pages.map((p) => p.length)).toEqual([4, 4, 4, 4])
    await store.close()
  })

  it('shares a read transaction between reads in a row, and never answers a read asked after a write from before it', async () => {
    const store = await IdbRecordStore.open(nextName())
    const peer = id(0xd)
    // Reads chained in one task (one transaction), each followed by a write of the next version:
    // every read must see every write asked for before it.
    let seen = 0n
    for (let rev = 1n; rev <= 20n; rev++) {
      const current = await store.getByUuid(id(0x10))
      expect(current?.lastUpdatedRev ?? 0n).toBe(seen)
      expect((await store.getByKey('/k')).map((r) => r.lastUpdatedRev)).toEqual(seen === 0n ? [] : [seen])
      const writing = store.write({
        records: [record({ uuid: id(0x10), key: '/k', lastUpdatedBy: peer, lastUpdatedRev: rev })],
        state: new Map(),
      })
      // Asked after the write, before it is done: answered after it.
      const after = store.getByUuid(id(0x10))
      await writing
      expect((await after)?.lastUpdatedRev).toBe(rev)
      seen = rev
    }
    // Many reads at once, on one transaction or several, each with its own answer.
    const reads = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        i % 2 ? store.getByKey('/k') : store.getByUuid(id(0x10)).then((r) => (r ? [r] : [])),
      ),
    )
    for (const found of reads) expect(found.map((r) => r.lastUpdatedRev)).toEqual([20n])
    // Long after the shared transaction ended: a new one.
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect((await store.getByUuid(id(0x10)))?.lastUpdatedRev).toBe(20n)
    await store.close()
  })

  it('opens a club of 100,000 records in under 2 seconds (figures printed)', async () => {
    const name = nextName()
    const writer = await IdbRecordStore.open(name)
    const peers = [id(1), id(2), id(3)]
    const writeStart = performance.now()
    for (let start = 0; start < 100_000; start += 10_000) {
      const records = Array.from({ length: 10_000 }, (_, i) => {
        const n = start + i
        return record({
          uuid: id(0x100000 + n),
          key: `/photos/${n % 997}/${n}.jpg`,
          lastUpdatedBy: peers[n % 3],
          lastUpdatedRev: BigInt(Math.floor(n / 3) + 1),
          value: { size: n * 1000, sha256: 'ab'.repeat(32), mtime: '2026-11-27T09:00:00.123456789Z' },
        })
      })
      await writer.write({ records, state: new Map([['revision', String(start + 10_000)]]) })
    }
    const writeMs = performance.now() - writeStart
    await writer.close()

    const openStart = performance.now()
    const store = await IdbRecordStore.open(name)
    const since = await store.maxRevisions()
    const revision = await store.getState('revision')
    const openMs = performance.now() - openStart
    const pageStart = performance.now()
    let tail = 0
    for await (const page of store.changedSince(
      new Map([...since].map(([peer, rev]) => [peer, rev - 100n])),
      100,
    ))
      tail += page.length
    const tailMs = performance.now() - pageStart
    console.log(
      `idb-record-store: 100,000 records written in batches of 10,000: ${writeMs.toFixed(0)} ms; ` +
        `open (maxRevisions + getState): ${openMs.toFixed(1)} ms; changedSince of the last 300: ${tailMs.toFixed(1)} ms`,
    )
    expect(since).toEqual(
      new Map([
        [id(1), 33_334n],
        [id(2), 33_333n],
        [id(3), 33_333n],
      ]),
    )
    expect(revision).toBe('100000')
    expect(tail).toBe(300)
    expect(openMs).toBeLessThan(2000)
    await store.close()
    await new Promise((done) => (indexedDB.deleteDatabase(name).onsuccess = done))
  })
})
