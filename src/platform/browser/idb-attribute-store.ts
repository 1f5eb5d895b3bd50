/**
 * The side table of mtimes and modes (`attribute-store.ts`) in IndexedDB, one database per share
 * folder. It is read whole once at open (one `getAll`), so listing 100,000 files asks IndexedDB
 * nothing; changes are written through before the call resolves.
 *
 * Writes are group-committed: at most one transaction runs, and the changes asked for meanwhile
 * wait to go together in the next, in the order they were asked for. Placing a received file
 * changes its entry, and a transaction each (two, with the delete) was 0.5 ms of the receiving
 * worker per file in a sync of thousands of small files. The in-memory table follows each
 * transaction once it committed, so a read never sees what the database does not have.
 */
import type { DBSchema, IDBPDatabase, IDBPObjectStore } from 'idb'
import { MemoryAttributeStore, movedKey, type SideAttributes } from './attribute-store'
import type { DatabaseNotices } from './database-notices'
import { openDatabase } from './idb-open'

interface AttributeSchema extends DBSchema {
  attributes: { key: string; value: SideAttributes & { local: string } }
}

const DB_VERSION = 1

type Change =
  | { readonly kind: 'set'; readonly local: string; readonly attributes: SideAttributes }
  | { readonly kind: 'delete'; readonly local: string }
  | { readonly kind: 'move'; readonly from: string; readonly to: string }

type Store = IDBPObjectStore<AttributeSchema, ['attributes'], 'attributes', 'readwrite'>

export class IdbAttributeStore extends MemoryAttributeStore {
  /** Changes not yet in a transaction, and the promise their callers wait on. */
  private waiting: Change[] = []
  private waitingDone: Promise<void> | undefined
  /** The transaction running now (settled: none). */
  private running: Promise<void> = Promise.resolve()

  private constructor(private readonly db: IDBPDatabase<AttributeSchema>) {
    super()
  }

  /** `name` tells shares apart, e.g. `clearskies-attributes:<share id>`. */
  static async open(name: string, notices?: DatabaseNotices): Promise<IdbAttributeStore> {
    const db = await openDatabase<AttributeSchema>(
      name,
      DB_VERSION,
      (db) => void db.createObjectStore('attributes', { keyPath: 'local' }),
      notices,
    )
    const store = new IdbAttributeStore(db)
    for (const { local, ...attributes } of await db.getAll('attributes')) store.entries.set(local, attributes)
    return store
  }

  override set(local: string, attributes: SideAttributes): Promise<void> {
    return this.queue({ kind: 'set', local, attributes })
  }

  override delete(local: string): Promise<void> {
    return this.queue({ kind: 'delete', local })
  }

  override move(from: string, to: string): Promise<void> {
    return this.queue({ kind: 'move', from, to })
  }

  /** Resolves once `change` is committed, with every change asked for before it. */
  private queue(change: Change): Promise<void> {
    this.waiting.push(change)
    this.waitingDone ??= this.running
      .catch(() => undefined)
      .then(() => {
        const batch = this.waiting
        this.waiting = []
        this.waitingDone = undefined
        this.running = this.commit(batch)
        return this.running
      })
    return this.waitingDone
  }

  private async commit(batch: readonly Change[]): Promise<void> {
    const tx = this.db.transaction('attributes', 'readwrite')
    // What the batch changes in the table (null: removed), followed change by change: a move
    // needs what is below it by then. Applied to the table once committed.
    const changed = new Map<string, SideAttributes | null>()
    const requests: Promise<unknown>[] = []
    for (const change of batch) requests.push(...apply(change, this.entries, changed, tx.store))
    await Promise.all([...requests, tx.done])
    for (const [key, value] of changed) {
      if (value === null) this.entries.delete(key)
      else this.entries.set(key, value)
    }
  }

  close(): void {
    this.db.close()
  }
}

/** One change, noted in `changed` (over `entries`) and made in the object store; the requests made. */
function apply(
  change: Change,
  entries: ReadonlyMap<string, SideAttributes>,
  changed: Map<string, SideAttributes | null>,
  store: Store,
): Array<Promise<unknown>> {
  switch (change.kind) {
    case 'set':
      changed.set(change.local, change.attributes)
      return [store.put({ ...change.attributes, local: change.local })]
    case 'delete':
      changed.set(change.local, null)
      return [store.delete(change.local)]
    case 'move': {
      // What is under `from` now: `changed` over `entries`, gathered before `changed` changes.
      const under: Array<[string, string, SideAttributes]> = []
      for (const [key, value] of entries) {
        const moved = changed.has(key) ? undefined : movedKey(key, change.from, change.to)
        if (moved !== undefined) under.push([key, moved, value])
      }
      for (const [key, value] of changed) {
        const moved = movedKey(key, change.from, change.to)
        if (value !== null && moved !== undefined) under.push([key, moved, value])
      }
      const requests: Array<Promise<unknown>> = []
      for (const [key, moved, value] of under) {
        changed.set(key, null)
        changed.set(moved, value)
        requests.push(store.delete(key), store.put({ ...value, local: moved }))
      }
      return requests
    }
  }
}
