/**
 * The engine's own durable state (shares and their keys, access code grants, pending joins,
 * settings) as JSON documents under string keys. Small and rarely written, so one interface
 * serves SQLite on Node and IndexedDB in the browser.
 */
import type { JsonValue } from '../protocol/wire/json-value'

export interface KeyValueStore {
  get(key: string): Promise<JsonValue | undefined>
  set(key: string, value: JsonValue): Promise<void>
  delete(key: string): Promise<void>
  /** Every entry whose key starts with `prefix`, in key order. */
  list(prefix: string): Promise<Array<[string, JsonValue]>>
}

export class MemoryKeyValueStore implements KeyValueStore {
  private readonly entries = new Map<string, JsonValue>()

  async get(key: string): Promise<JsonValue | undefined> {
    return this.entries.get(key)
  }

  async set(key: string, value: JsonValue): Promise<void> {
    this.entries.set(key, value)
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key)
  }

  async list(prefix: string): Promise<Array<[string, JsonValue]>> {
    return [...this.entries].filter(([key]) => key.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1))
  }
}
