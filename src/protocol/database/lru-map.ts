/**
 * A Map of at most `capacity` entries: reading or writing an entry makes it the newest, and past
 * the capacity the oldest goes (`evicted` is told). Both caches of records use it: the database's
 * holder of each key, and a record store's parsed rows.
 */
export class LruMap<K, V> {
  private readonly entries = new Map<K, V>()

  constructor(
    private readonly capacity: number,
    private readonly evicted?: (key: K, value: V) => void,
  ) {}

  get size(): number {
    return this.entries.size
  }

  /** The value kept for `key`, now the newest; undefined if none is kept. */
  get(key: K): V | undefined {
    if (!this.entries.has(key)) return undefined
    const value = this.entries.get(key) as V
    this.entries.delete(key)
    this.entries.set(key, value)
    return value
  }

  set(key: K, value: V): void {
    this.entries.delete(key)
    this.entries.set(key, value)
    if (this.entries.size <= this.capacity) return
    const [oldest, old] = this.entries.entries().next().value as [K, V]
    this.entries.delete(oldest)
    this.evicted?.(oldest, old)
  }

  /** Removes `key`'s entry and returns its value (undefined if none was kept). */
  take(key: K): V | undefined {
    const value = this.entries.get(key)
    this.entries.delete(key)
    return value
  }
}
