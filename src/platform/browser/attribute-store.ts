/**
 * What the File System Access API cannot keep: it has no way to set a file's mtime (a received
 * file gets the time it was written) and no permission bits. The peer's values are kept in a side
 * table instead, keyed by local path, together with the size and `lastModified` the file had when
 * they were set: as long as the file still shows those, it reports the peer's mtime and mode; once
 * it changed locally, it reports what the platform says, so a local edit is still detected.
 *
 * Known gap: `lastModified` has millisecond resolution, so an edit that keeps the size, within
 * the same millisecond as our own write, goes unnoticed until the next one.
 */
import type { EntryStat } from '../../protocol/directory/file-store'

export interface SideAttributes {
  readonly mtimeNs: bigint
  readonly mode?: number
  /** The file as it was when these were set. */
  readonly size: number
  readonly lastModifiedMs: number
}

/** The side table; `idb-attribute-store.ts` keeps it across reloads, `MemoryAttributeStore` does not. */
export interface AttributeStore {
  get(local: string): Promise<SideAttributes | undefined>
  set(local: string, attributes: SideAttributes): Promise<void>
  delete(local: string): Promise<void>
  /** Renames the entry of `from` and of everything below it (a moved folder). */
  move(from: string, to: string): Promise<void>
}

const NS_PER_MS = 1_000_000n

/** The stat of a file, with the side table's values while they still apply. */
export function fileStat(file: File, side: SideAttributes | undefined): EntryStat {
  const applies = side !== undefined && side.size === file.size && side.lastModifiedMs === file.lastModified
  if (!applies) return { kind: 'file', size: file.size, mtimeNs: BigInt(file.lastModified) * NS_PER_MS }
  return {
    kind: 'file',
    size: file.size,
    mtimeNs: side.mtimeNs,
    ...(side.mode === undefined ? {} : { mode: side.mode }),
  }
}

/** Whether `key` is `from` or lies below it, and what it becomes under `to`. */
export function movedKey(key: string, from: string, to: string): string | undefined {
  if (key === from) return to
  return key.startsWith(`${from}/`) ? to + key.slice(from.length) : undefined
}

export class MemoryAttributeStore implements AttributeStore {
  protected readonly entries = new Map<string, SideAttributes>()

  async get(local: string): Promise<SideAttributes | undefined> {
    return this.entries.get(local)
  }

  async set(local: string, attributes: SideAttributes): Promise<void> {
    this.entries.set(local, attributes)
  }

  async delete(local: string): Promise<void> {
    this.entries.delete(local)
  }

  async move(from: string, to: string): Promise<void> {
    for (const [key, value] of [...this.entries]) {
      const moved = movedKey(key, from, to)
      if (moved === undefined) continue
      this.entries.delete(key)
      this.entries.set(moved, value)
    }
  }
}
