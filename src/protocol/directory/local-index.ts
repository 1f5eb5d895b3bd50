/**
 * What this peer last saw on its own disk, per share path: the size and mtime the file had when
 * it was hashed, its SHA-256, and which record it materializes. It survives restarts, so a
 * rescan hashes only what changed, and it is how a change made behind our back is noticed before
 * a download replaces it (directory.md: "A check should be done on the destination file before
 * replacing it"). The platform persists it (SQLite on Node, IndexedDB in the browser).
 */
import type { KnownEntry } from './scanner'
import type { SharePath } from './share-path'

export interface LocalEntry extends KnownEntry {
  /** The record this path materializes, when it came from (or went into) the database. */
  readonly uuid?: string
}

export interface LocalIndex {
  load(): Promise<Map<SharePath, LocalEntry>>
  /** Applies changes in one transaction: an entry to set, or null to forget the path. */
  save(changes: ReadonlyMap<SharePath, LocalEntry | null>): Promise<void>
}

export class MemoryLocalIndex implements LocalIndex {
  private readonly entries = new Map<SharePath, LocalEntry>()

  async load(): Promise<Map<SharePath, LocalEntry>> {
    return new Map(this.entries)
  }

  async save(changes: ReadonlyMap<SharePath, LocalEntry | null>): Promise<void> {
    for (const [path, entry] of changes) {
      if (entry) this.entries.set(path, entry)
      else this.entries.delete(path)
    }
  }
}
