/**
 * Every IndexedDB database of the app is opened here. An app update raises a schema version, and
 * IndexedDB upgrades a database only once every older connection to it has closed: a connection
 * asked to (`versionchange`) therefore closes at once and says so, and an open kept waiting by one
 * that does not (an older version of the app in another tab) says so too, rather than hanging
 * without a word. A store whose connection was closed under it fails every further call with a
 * `DatabaseClosedError`, where IndexedDB would throw "the database connection is closing".
 */
import { openDB, type DBSchema, type IDBPDatabase, type OpenDBCallbacks } from 'idb'
import { DatabaseClosedError, type ClosedReason, type DatabaseNotices } from './database-notices'

/**
 * Opens `name` at `version`, running `upgrade` as idb does. `notices` hears of waits and losses;
 * without it (a test's store) the connection still lets go of a newer version.
 */
export async function openDatabase<Schema extends DBSchema | unknown = unknown>(
  name: string,
  version: number,
  upgrade: NonNullable<OpenDBCallbacks<Schema>['upgrade']>,
  notices?: DatabaseNotices,
): Promise<IDBPDatabase<Schema>> {
  let closed: DatabaseClosedError | undefined
  const lose = (reason: ClosedReason): void => {
    closed ??= new DatabaseClosedError(name, reason)
    notices?.lost(reason)
  }
  let db: IDBPDatabase<Schema>
  try {
    db = await openDB<Schema>(name, version, {
      upgrade,
      blocked: () => notices?.blocked(name),
      blocking: () => {
        lose('versionchange')
        // Running transactions still finish: close() only stops new ones.
        db.close()
      },
      terminated: () => lose('terminated'),
    })
  } finally {
    notices?.settled(name)
  }
  return new Proxy(db, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target)
      if (typeof value !== 'function') return value
      const lost = closed
      if (lost && property !== 'close')
        return () => {
          throw lost
        }
      // idb's methods must run on its own proxy, which it maps back to the IDBDatabase.
      return (value as (...args: unknown[]) => unknown).bind(target)
    },
  })
}
