/**
 * The database extension's `RecordStore` on IndexedDB (idb), one database per club.
 *
 * Records are stored as structured clones, which keep bigint (revisions, clocks, nanosecond
 * times, JSON integers beyond 2^53), Map (vector clocks) and Uint8Array (signed bodies) exactly,
 * so nothing is encoded but the index keys: IndexedDB keys cannot be bigint, so each record also
 * carries its revision as 16 hex digits (`revKey`; revisions are 0 to 2^63-1, see `MAX_INT64`),
 * whose string order is numeric order.
 *
 * Opening must not scan the records (100,000 of them open in well under 2 s): what opening asks
 * for, the `since` map (`maxRevisions`) and club state (`getState`), lives in small summary stores
 * (`revisions`, one row per peer; `state`) kept in the same transaction as every write.
 *
 * The per-peer maximum is kept monotonic: if a record last updated by X at 9 is later updated by
 * Y, X's entry stays 9, where SQL's MAX(...) GROUP BY would fall back to X's next highest. Both
 * ask peers for nothing that is not newer than what this store has seen of X.
 */
import type { DBSchema, IDBPDatabase, IDBPObjectStore, IDBPTransaction } from 'idb'
import type { PeerId } from '../../protocol/database/ids'
import type { DatabaseRecord } from '../../protocol/database/record'
import { changeOrder, type RecordStore, type StoreBatch } from '../../protocol/database/record-store'
import type { DatabaseNotices } from './database-notices'
import { openDatabase } from './idb-open'

type StoredRecord = DatabaseRecord & { readonly revKey: string }

interface RecordSchema extends DBSchema {
  records: {
    key: string
    value: StoredRecord
    indexes: {
      key: string
      /** (last_updated_by, last_updated_rev), uuid last so each key is unique and pages can resume. */
      peerRev: [string, string, string]
    }
  }
  revisions: { key: string; value: { peer: PeerId; rev: bigint } }
  state: { key: string; value: { name: string; value: string } }
}

const DB_VERSION = 1
const REV_HEX_DIGITS = 16

/** A revision as an index key: fixed-width hex sorts as the number does. */
export function revKey(rev: bigint): string {
  return rev.toString(16).padStart(REV_HEX_DIGITS, '0')
}

/** One peer's wanted records, read ahead in index order. */
interface Run {
  readonly peer: PeerId
  buffer: StoredRecord[]
  /** The index key of the last record read; the next read starts after it. */
  after: [string, string, string]
  more: boolean
}

/** The run whose next record comes first in change order; none while a run waits to be read. */
function earliest(runs: ReadonlyMap<PeerId, Run>): Run | undefined {
  let best: Run | undefined
  for (const run of runs.values()) {
    const head = run.buffer[0]
    if (head === undefined) return undefined
    if (best === undefined || changeOrder(head, best.buffer[0] as StoredRecord) < 0) best = run
  }
  return best
}

function toRecord(stored: StoredRecord): DatabaseRecord {
  const { revKey: _revKey, ...record } = stored
  return record
}

type ReadTransaction = IDBPTransaction<RecordSchema, ['records'], 'readonly'>
type ReadStore = IDBPObjectStore<RecordSchema, ['records'], 'records', 'readonly'>

/** What a request on a transaction that is no longer active throws (synchronously). */
function isInactive(err: unknown): boolean {
  return (
    err instanceof DOMException &&
    (err.name === 'TransactionInactiveError' || err.name === 'InvalidStateError')
  )
}

export class IdbRecordStore implements RecordStore {
  /**
   * The last read-only transaction, shared by the reads that follow it while it is still active:
   * the engine reads a record or two at a time (by uuid, then by key, per update received; by key
   * per file placed), and a transaction each was 1.9 s of a receiving worker's CPU in a sync of
   * 2,000 small files. Dropped at each write, so a read asked for after a write is never answered
   * from before it.
   */
  private reader: ReadTransaction | undefined

  private constructor(private readonly db: IDBPDatabase<RecordSchema>) {}

  /** Runs `request` on the shared read-only transaction, or on a new one once that is done. */
  private read<T>(request: (store: ReadStore) => Promise<T>): Promise<T> {
    const current = this.reader
    if (current) {
      try {
        return request(current.store)
      } catch (err) {
        if (!isInactive(err)) throw err
      }
    }
    const tx = this.db.transaction('records')
    this.reader = tx
    const done = (): void => {
      if (this.reader === tx) this.reader = undefined
    }
    tx.done.then(done, done)
    return request(tx.store)
  }

  /** `name` tells clubs apart, e.g. `clearskies-records:<share id>`. */
  static async open(name: string, notices?: DatabaseNotices): Promise<IdbRecordStore> {
    const db = await openDatabase<RecordSchema>(
      name,
      DB_VERSION,
      (db) => {
        const records = db.createObjectStore('records', { keyPath: 'uuid' })
        records.createIndex('key', 'key')
        records.createIndex('peerRev', ['lastUpdatedBy', 'revKey', 'uuid'])
        db.createObjectStore('revisions', { keyPath: 'peer' })
        db.createObjectStore('state', { keyPath: 'name' })
      },
      notices,
    )
    return new IdbRecordStore(db)
  }

  async getByUuid(uuid: string): Promise<DatabaseRecord | undefined> {
    const stored = await this.read((store) => store.get(uuid))
    return stored && toRecord(stored)
  }

  async getByKey(key: string): Promise<DatabaseRecord[]> {
    return (await this.read((store) => store.index('key').getAll(key))).map(toRecord)
  }

  async write(batch: StoreBatch): Promise<void> {
    this.reader = undefined
    const tx = this.db.transaction(['records', 'revisions', 'state'], 'readwrite')
    const highest = new Map<PeerId, bigint>()
    const requests: Promise<unknown>[] = []
    for (const record of batch.records) {
      requests.push(tx.objectStore('records').put({ ...record, revKey: revKey(record.lastUpdatedRev) }))
      const known = highest.get(record.lastUpdatedBy)
      if (known === undefined || record.lastUpdatedRev > known)
        highest.set(record.lastUpdatedBy, record.lastUpdatedRev)
    }
    for (const [name, value] of batch.state) requests.push(tx.objectStore('state').put({ name, value }))
    const revisions = tx.objectStore('revisions')
    for (const [peer, rev] of highest) {
      requests.push(
        revisions.get(peer).then((row) => (row && row.rev >= rev ? undefined : revisions.put({ peer, rev }))),
      )
    }
    // All or nothing: a failed request aborts the transaction, and tx.done rejects.
    await Promise.all([...requests, tx.done])
  }

  async maxRevisions(): Promise<Map<PeerId, bigint>> {
    return new Map((await this.db.getAll('revisions')).map(({ peer, rev }) => [peer, rev]))
  }

  /**
   * A merge of per-peer runs of the (last_updated_by, last_updated_rev) index, each starting
   * above what `since` has of that peer: only wanted records are read, however many others the
   * store holds. Runs are read `batchSize` at a time, in one transaction for all that ran dry
   * (none stays open across a yield).
   */
  async *changedSince(
    since: ReadonlyMap<PeerId, bigint>,
    batchSize: number,
  ): AsyncIterable<DatabaseRecord[]> {
    const runs = new Map<PeerId, Run>()
    for (const [peer, max] of await this.maxRevisions()) {
      const known = since.get(peer)
      // Hex uuids sort below '\uffff': the bound after revision `known` of this peer.
      if (known === undefined) runs.set(peer, { peer, buffer: [], after: [peer, '', ''], more: true })
      else if (known < max)
        runs.set(peer, { peer, buffer: [], after: [peer, revKey(known), '\uffff'], more: true })
    }
    let page: DatabaseRecord[] = []
    for (;;) {
      await this.refill(runs, batchSize)
      if (runs.size === 0) break
      for (let run = earliest(runs); run && page.length < batchSize; run = earliest(runs)) {
        page.push(toRecord(run.buffer.shift() as StoredRecord))
        if (run.buffer.length === 0 && !run.more) runs.delete(run.peer)
      }
      if (page.length === batchSize) {
        yield page
        page = []
      }
    }
    if (page.length > 0) yield page
  }

  /** Reads the next records of every run that ran dry; drops the runs that are done. */
  private async refill(runs: Map<PeerId, Run>, batchSize: number): Promise<void> {
    const dry = [...runs.values()].filter((run) => run.buffer.length === 0)
    if (dry.length === 0) return
    const tx = this.db.transaction('records')
    const index = tx.store.index('peerRev')
    await Promise.all([
      ...dry.map(async (run) => {
        run.buffer = await index.getAll(
          IDBKeyRange.bound(run.after, [run.peer, '\uffff'], true, false),
          batchSize,
        )
        run.more = run.buffer.length === batchSize
        const last = run.buffer[run.buffer.length - 1]
        if (last) run.after = [run.peer, last.revKey, last.uuid]
        if (run.buffer.length === 0) runs.delete(run.peer)
      }),
      tx.done,
    ])
  }

  async getState(name: string): Promise<string | undefined> {
    return (await this.db.get('state', name))?.value
  }

  async close(): Promise<void> {
    this.db.close()
  }
}
