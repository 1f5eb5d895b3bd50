/**
 * The records one engine step has written but not yet committed, read through on top of the
 * store, so that a batch of updates sees its own earlier writes and commits in one transaction.
 */
import type { PeerId } from './ids'
import type { DatabaseRecord } from './record'
import type { RecordStore, StoreBatch } from './record-store'

export class PendingWrites {
  private readonly records = new Map<string, DatabaseRecord>()
  /** uuids of pending records by key, so a lookup by key costs no scan of the whole step. */
  private readonly uuidsByKey = new Map<string, Set<string>>()
  /**
   * What the store held for each key looked up with `keep` in this step: with the pending
   * records, all of the key's.
   */
  private readonly storedByKey = new Map<string, DatabaseRecord[]>()
  readonly state = new Map<string, string>()

  constructor(private readonly store: RecordStore) {}

  async getByUuid(uuid: string): Promise<DatabaseRecord | undefined> {
    return this.records.get(uuid) ?? (await this.store.getByUuid(uuid))
  }

  /** `keep`: the key is one `keysLookedUp` lists. */
  async getByKey(key: string, keep = false): Promise<DatabaseRecord[]> {
    const stored = await this.store.getByKey(key)
    if (keep) this.storedByKey.set(key, stored)
    return this.withPending(key, stored)
  }

  /** The records of `key`: those the store holds, as this step leaves them, and those it added. */
  private withPending(key: string, stored: readonly DatabaseRecord[]): DatabaseRecord[] {
    const found = new Map<string, DatabaseRecord>()
    for (const r of stored) found.set(r.uuid, this.records.get(r.uuid) ?? r)
    for (const uuid of this.uuidsByKey.get(key) ?? []) {
      const r = this.records.get(uuid)
      if (r) found.set(uuid, r)
    }
    return [...found.values()].filter((r) => r.key === key)
  }

  /** Every record of each key this step looked up with `keep`, as the step leaves them once committed. */
  keysLookedUp(): Map<string, DatabaseRecord[]> {
    return new Map([...this.storedByKey].map(([key, stored]) => [key, this.withPending(key, stored)]))
  }

  /** Revisions seen, counting pending records: an overestimate only skips superseded versions. */
  async maxRevisions(): Promise<Map<PeerId, bigint>> {
    const max = await this.store.maxRevisions()
    for (const r of this.records.values()) {
      const known = max.get(r.lastUpdatedBy)
      if (known === undefined || r.lastUpdatedRev > known) max.set(r.lastUpdatedBy, r.lastUpdatedRev)
    }
    return max
  }

  put(record: DatabaseRecord): void {
    this.records.set(record.uuid, record)
    let uuids = this.uuidsByKey.get(record.key)
    if (!uuids) this.uuidsByKey.set(record.key, (uuids = new Set()))
    uuids.add(record.uuid)
  }

  toBatch(): StoreBatch {
    return { records: [...this.records.values()], state: this.state }
  }
}
