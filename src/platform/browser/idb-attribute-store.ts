/**
 * The side table of mtimes and modes (`attribute-store.ts`) in IndexedDB, one database per share
 * folder. It is read whole once at open (one `getAll`), so listing 100,000 files asks IndexedDB
 * nothing; changes are written through before the call resolves.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb'
import { MemoryAttributeStore, movedKey, type SideAttributes } from './attribute-store'

interface AttributeSchema extends DBSchema {
  attributes: { key: string; value: SideAttributes & { local: string } }
}

const DB_VERSION = 1

export class IdbAttributeStore extends MemoryAttributeStore {
  private constructor(private readonly db: IDBPDatabase<AttributeSchema>) {
    super()
  }

  /** `name` tells shares apart, e.g. `clearskies-attributes:<share id>`. */
  static async open(name: string): Promise<IdbAttributeStore> {
    const db = await openDB<AttributeSchema>(name, DB_VERSION, {
      upgrade(db) {
        db.createObjectStore('attributes', { keyPath: 'local' })
      },
    })
    const store = new IdbAttributeStore(db)
    for (const { local, ...attributes } of await db.getAll('attributes')) store.entries.set(local, attributes)
    return store
  }

  override async set(local: string, attributes: SideAttributes): Promise<void> {
    await this.db.put('attributes', { ...attributes, local })
    await super.set(local, attributes)
  }

  override async delete(local: string): Promise<void> {
    await this.db.delete('attributes', local)
    await super.delete(local)
  }

  override async move(from: string, to: string): Promise<void> {
    const tx = this.db.transaction('attributes', 'readwrite')
    const writes: Promise<unknown>[] = []
    for (const [key, value] of this.entries) {
      const moved = movedKey(key, from, to)
      if (moved === undefined) continue
      writes.push(tx.store.delete(key), tx.store.put({ ...value, local: moved }))
    }
    await Promise.all([...writes, tx.done])
    await super.move(from, to)
  }

  close(): void {
    this.db.close()
  }
}
