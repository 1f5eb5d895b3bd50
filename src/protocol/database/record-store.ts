/**
 * The storage one club's database needs, injected by the platform: SQLite on Node
 * (`src/platform/node/sqlite-record-store.ts`), memory in tests and as the browser's fallback.
 * One store holds one club. Records are identified by `uuid`; several records may share a `key`
 * (a "same key, different uuid" conflict keeps both, see `conflict.ts`).
 */
import type { PeerId } from './ids'
import type { DatabaseRecord } from './record'

/** Everything one engine step writes, applied in one transaction: all of it or none. */
export interface StoreBatch {
  /** Upserted by `uuid`; never deleted (deletions are tombstone records). */
  readonly records: readonly DatabaseRecord[]
  /** Club state (the revision counter, the logical clock): name to decimal or text value. */
  readonly state: ReadonlyMap<string, string>
}

export interface RecordStore {
  getByUuid(uuid: string): Promise<DatabaseRecord | undefined>
  /** Every record, live or deleted, whose key is `key`. */
  getByKey(key: string): Promise<DatabaseRecord[]>
  write(batch: StoreBatch): Promise<void>
  /**
   * The highest `last_updated_rev` per `last_updated_by` (database.md: "SELECT last_changed_by,
   * MAX(last_changed_rev) ... GROUP BY last_changed_by"): the `since` map of `get_updates`.
   */
  maxRevisions(): Promise<Map<PeerId, bigint>>
  /**
   * Records with a `last_updated_by` absent from `since`, or with a `last_updated_rev` above its
   * entry there, in `last_updated_rev` order (then `uuid`), `batchSize` at a time. Records written
   * while the iteration runs may or may not be included; the engine relays those live.
   */
  changedSince(since: ReadonlyMap<PeerId, bigint>, batchSize: number): AsyncIterable<DatabaseRecord[]>
  getState(name: string): Promise<string | undefined>
  close(): Promise<void>
}

/** The order `changedSince` yields: by revision, then uuid so pages are stable. */
export function changeOrder(a: DatabaseRecord, b: DatabaseRecord): number {
  if (a.lastUpdatedRev !== b.lastUpdatedRev) return a.lastUpdatedRev < b.lastUpdatedRev ? -1 : 1
  return a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0
}

/** Whether `get_updates` with this `since` map asks for `record`. */
export function isWanted(record: DatabaseRecord, since: ReadonlyMap<PeerId, bigint>): boolean {
  const known = since.get(record.lastUpdatedBy)
  return known === undefined || record.lastUpdatedRev > known
}
