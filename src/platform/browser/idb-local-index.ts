/** The directory extension's local index in IndexedDB: read whole at open, written in one transaction per batch. */
import type { DBSchema, IDBPDatabase } from 'idb'
import type { LocalEntry, LocalIndex } from '../../protocol/directory/local-index'
import type { SharePath } from '../../protocol/directory/share-path'
import type { DatabaseNotices } from './database-notices'
import { openDatabase } from './idb-open'

interface IndexSchema extends DBSchema {
  entries: { key: string; value: LocalEntry & { path: string } }
}

export class IdbLocalIndex implements LocalIndex {
  private constructor(private readonly db: IDBPDatabase<IndexSchema>) {}

  /** `name` tells shares apart, e.g. `clearskies-index:<storage id>`. */
  static async open(name: string, notices?: DatabaseNotices): Promise<IdbLocalIndex> {
    return new IdbLocalIndex(
      await openDatabase<IndexSchema>(
        name,
        1,
        (db) => void db.createObjectStore('entries', { keyPath: 'path' }),
        notices,
      ),
    )
  }

  async load(): Promise<Map<SharePath, LocalEntry>> {
    const rows = await this.db.getAll('entries')
    return new Map(rows.map(({ path, ...entry }) => [path as SharePath, entry]))
  }

  async save(changes: ReadonlyMap<SharePath, LocalEntry | null>): Promise<void> {
    const tx = this.db.transaction('entries', 'readwrite')
    for (const [path, entry] of changes)
      void (entry ? tx.store.put({ ...entry, path }) : tx.store.delete(path))
    await tx.done
  }

  close(): void {
    this.db.close()
  }
}
