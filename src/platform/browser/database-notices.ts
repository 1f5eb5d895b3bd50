/**
 * What a person must know about the app's IndexedDB connections, in their words: an older tab
 * holding a database this one needs to upgrade (close it), or this tab's connection given up to a
 * newer version or closed by the browser (reload). Kept apart from `idb-open.ts`, which feeds it,
 * so that the engine host can carry it to the page with its snapshots.
 */

/** Why a connection was closed under the app: a newer version asked for it, or the browser ended it. */
export type ClosedReason = 'versionchange' | 'terminated'

export interface StorageNotice {
  readonly message: string
  /** Nothing more is written here until the tab is reloaded. */
  readonly mustReload: boolean
}

const BLOCKED =
  'ClearSkies is waiting for its other tabs to close: an older version open in another tab still holds its storage. Close the other ClearSkies tabs and it carries on here.'

const CLOSED: Record<ClosedReason, string> = {
  versionchange:
    'A newer version of ClearSkies was opened in another tab, so this tab let go of its storage and can no longer sync. Reload this tab to use the new version.',
  terminated:
    'The browser closed ClearSkies’s storage unexpectedly (the disk may be full, or the site’s data was cleared), so this tab can no longer sync. Reload this tab.',
}

/** A store used after its connection was closed under it: says why, instead of IndexedDB's "connection is closing". */
export class DatabaseClosedError extends Error {
  readonly code = 'EDBCLOSED'
  constructor(
    readonly database: string,
    readonly reason: ClosedReason,
  ) {
    super(
      reason === 'versionchange'
        ? `the database ${database} was closed because a newer version of ClearSkies opened it in another tab; reload this tab`
        : `the browser closed the database ${database} abnormally; reload this tab`,
    )
    this.name = 'DatabaseClosedError'
  }
}

export class DatabaseNotices {
  private readonly waiting = new Set<string>()
  private closed: ClosedReason | undefined
  private readonly listeners = new Set<() => void>()

  /** An open of `database` waits for older connections to close. */
  blocked(database: string): void {
    this.waiting.add(database)
    this.changed()
  }

  /** An open of `database` no longer waits (it completed or failed). */
  settled(database: string): void {
    if (this.waiting.delete(database)) this.changed()
  }

  /** The first reason is kept: once one store is gone the tab must reload, whatever follows. */
  lost(reason: ClosedReason): void {
    if (this.closed) return
    this.closed = reason
    this.changed()
  }

  /** A lost connection is told first: reloading also ends the wait of a blocked open. */
  get notice(): StorageNotice | undefined {
    if (this.closed) return { message: CLOSED[this.closed], mustReload: true }
    if (this.waiting.size > 0) return { message: BLOCKED, mustReload: false }
    return undefined
  }

  /** Calls `listener` on every change; returns what stops it. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private changed(): void {
    for (const listener of this.listeners) listener()
  }
}
