import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Sqlite from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { SCHEMA_VERSION, SqliteRecordStore } from '../../../src/platform/node/sqlite-record-store'
import type { DatabaseRecord } from '../../../src/protocol/database/record'
import { id, record } from '../../protocol/database/helpers'
import { describeRecordStoreContract } from '../../protocol/database/record-store-contract'

const folder = mkdtempSync(join(tmpdir(), 'clearskies-records-'))
afterAll(() => rmSync(folder, { recursive: true, force: true }))
let files = 0
const nextFile = (): string => join(folder, `club-${files++}.sqlite`)

describeRecordStoreContract('SQLite', async () => SqliteRecordStore.open(nextFile()))

describe('SqliteRecordStore on disk', () => {
  it('keeps records and state across reopening, in WAL mode with a schema version', async () => {
    const path = nextFile()
    const r = record({ value: { big: 2n ** 60n + 1n }, lastUpdatedRev: 2n ** 63n - 1n })
    const first = SqliteRecordStore.open(path)
    await first.write({ records: [r], state: new Map([['logical_clock', '99']]) })
    await first.close()
    const again = SqliteRecordStore.open(path)
    expect(await again.getByUuid(r.uuid)).toEqual(r)
    expect(await again.getState('logical_clock')).toBe('99')
    await again.close()
    const raw = new Sqlite(path, { readonly: true })
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    raw.close()
  })

  it('refuses a file from a newer schema', () => {
    const path = nextFile()
    const raw = new Sqlite(path)
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`)
    raw.close()
    expect(() => SqliteRecordStore.open(path)).toThrow(/newer than this program/)
  })

  it('writes 10,000 records in one batch (figure printed, not asserted)', async () => {
    const store = SqliteRecordStore.open(nextFile())
    const records: DatabaseRecord[] = []
    for (let i = 0; i < 10_000; i++) {
      records.push(
        record({
          uuid: id(0x10000 + i),
          key: `/photos/${i}.jpg`,
          lastUpdatedRev: BigInt(i + 1),
          value: { size: i * 1000, sha256: 'ab'.repeat(32) },
        }),
      )
    }
    const start = performance.now()
    await store.write({ records, state: new Map() })
    const ms = performance.now() - start
    console.log(`sqlite-record-store: 10,000 record writes in one transaction: ${ms.toFixed(1)} ms`)
    expect((await store.maxRevisions()).get(id(1))).toBe(10_000n)
    await store.close()
  })
})
