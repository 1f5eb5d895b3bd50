/** The engine's key-value store in IndexedDB (one object store; values are structured-cloned JSON). */
import type { DBSchema, IDBPDatabase } from 'idb'
import type { KeyValueStore } from '../../engine/kv-store'
import type { JsonValue } from '../../protocol/wire/json-value'
import type { DatabaseNotices } from './database-notices'
import { openDatabase } from './idb-open'

interface KvSchema extends DBSchema {
  kv: { key: string; value: JsonValue }
}

export class IdbKeyValueStore implements KeyValueStore {
  private constructor(private readonly db: IDBPDatabase<KvSchema>) {}

  static async open(name = 'clearskies-engine', notices?: DatabaseNotices): Promise<IdbKeyValueStore> {
    return new IdbKeyValueStore(
      await openDatabase<KvSchema>(name, 1, (db) => void db.createObjectStore('kv'), notices),
    )
  }

  async get(key: string): Promise<JsonValue | undefined> {
    return this.db.get('kv', key)
  }

  async set(key: string, value: JsonValue): Promise<void> {
    await this.db.put('kv', value, key)
  }

  async delete(key: string): Promise<void> {
    await this.db.delete('kv', key)
  }

  async list(prefix: string): Promise<Array<[string, JsonValue]>> {
    // Every key with the prefix sorts between the prefix and the prefix followed by U+FFFF.
    const range = IDBKeyRange.bound(prefix, `${prefix}\uffff`)
    const tx = this.db.transaction('kv')
    const [keys, values] = await Promise.all([tx.store.getAllKeys(range), tx.store.getAll(range)])
    return keys.map((key, i) => [key, values[i] as JsonValue])
  }

  close(): void {
    this.db.close()
  }
}
