/** A `RecordStore` in memory: for tests, and the browser's fallback when IndexedDB is refused. */
import type { PeerId } from './ids'
import type { DatabaseRecord } from './record'
import { changeOrder, isWanted, type RecordStore, type StoreBatch } from './record-store'

export class MemoryRecordStore implements RecordStore {
  private readonly byUuid = new Map<string, DatabaseRecord>()
  private readonly uuidsByKey = new Map<string, Set<string>>()
  private readonly state = new Map<string, string>()

  async getByUuid(uuid: string): Promise<DatabaseRecord | undefined> {
    return this.byUuid.get(uuid)
  }

  async getByKey(key: string): Promise<DatabaseRecord[]> {
    const uuids = this.uuidsByKey.get(key) ?? new Set<string>()
    return [...uuids].map((uuid) => this.byUuid.get(uuid)).filter((r): r is DatabaseRecord => r !== undefined)
  }

  async write(batch: StoreBatch): Promise<void> {
    for (const record of batch.records) {
      const old = this.byUuid.get(record.uuid)
      if (old && old.key !== record.key) this.uuidsByKey.get(old.key)?.delete(record.uuid)
      this.byUuid.set(record.uuid, record)
      let uuids = this.uuidsByKey.get(record.key)
      if (!uuids) this.uuidsByKey.set(record.key, (uuids = new Set()))
      uuids.add(record.uuid)
    }
    for (const [name, value] of batch.state) this.state.set(name, value)
  }

  async maxRevisions(): Promise<Map<PeerId, bigint>> {
    const max = new Map<PeerId, bigint>()
    for (const r of this.byUuid.values()) {
      const known = max.get(r.lastUpdatedBy)
      if (known === undefined || r.lastUpdatedRev > known) max.set(r.lastUpdatedBy, r.lastUpdatedRev)
    }
    return max
  }

  async *changedSince(
    since: ReadonlyMap<PeerId, bigint>,
    batchSize: number,
  ): AsyncIterable<DatabaseRecord[]> {
    // A snapshot: later writes reach a subscribed connection as live updates.
    const wanted = [...this.byUuid.values()].filter((r) => isWanted(r, since)).sort(changeOrder)
    for (let i = 0; i < wanted.length; i += batchSize) yield wanted.slice(i, i + batchSize)
  }

  async getState(name: string): Promise<string | undefined> {
    return this.state.get(name)
  }

  async close(): Promise<void> {}
}
