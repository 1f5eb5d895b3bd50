/**
 * The in-memory view of the local index with the lookups the directory extension needs: which
 * path holds a content (to serve `directory.get` and to copy instead of download), and where a
 * record is materialized (to follow renames). Changes are collected and saved in batches.
 */
import type { LocalEntry, LocalIndex } from './local-index'
import type { SharePath } from './share-path'

export class LocalState {
  private readonly bySha = new Map<string, Set<SharePath>>()
  private readonly byUuid = new Map<string, SharePath>()
  private dirty = new Map<SharePath, LocalEntry | null>()
  private saving: Promise<void> = Promise.resolve()

  private constructor(
    private readonly index: LocalIndex,
    private readonly entries: Map<SharePath, LocalEntry>,
  ) {
    for (const [path, entry] of entries) this.link(path, entry)
  }

  static async open(index: LocalIndex): Promise<LocalState> {
    return new LocalState(index, await index.load())
  }

  get size(): number {
    return this.entries.size
  }

  get(path: SharePath): LocalEntry | undefined {
    return this.entries.get(path)
  }

  all(): ReadonlyMap<SharePath, LocalEntry> {
    return this.entries
  }

  /** A path whose file has this content, if any. */
  pathWith(sha256: string): SharePath | undefined {
    const paths = this.bySha.get(sha256)
    return paths ? paths.values().next().value : undefined
  }

  /** Every path whose file has this content, as they are now. */
  pathsWith(sha256: string): SharePath[] {
    return [...(this.bySha.get(sha256) ?? [])]
  }

  contents(): IterableIterator<string> {
    return this.bySha.keys()
  }

  pathOf(uuid: string): SharePath | undefined {
    return this.byUuid.get(uuid)
  }

  set(path: SharePath, entry: LocalEntry): void {
    const old = this.entries.get(path)
    if (old) this.unlink(path, old)
    this.entries.set(path, entry)
    this.link(path, entry)
    this.dirty.set(path, entry)
  }

  delete(path: SharePath): void {
    const old = this.entries.get(path)
    if (!old) return
    this.unlink(path, old)
    this.entries.delete(path)
    this.dirty.set(path, null)
  }

  /**
   * Saves what changed since the last flush; flushes run one after another. `beforeSave` runs
   * once the changes to save are taken, before they are written (the file store's `settle`: what
   * the index records must be on disk first).
   */
  flush(beforeSave?: () => Promise<void>): Promise<void> {
    if (this.dirty.size === 0) return this.saving
    const batch = this.dirty
    this.dirty = new Map()
    this.saving = this.saving.then(async () => {
      await beforeSave?.()
      await this.index.save(batch)
    })
    return this.saving
  }

  private link(path: SharePath, entry: LocalEntry): void {
    if (entry.sha256) {
      let paths = this.bySha.get(entry.sha256)
      if (!paths) this.bySha.set(entry.sha256, (paths = new Set()))
      paths.add(path)
    }
    if (entry.uuid) this.byUuid.set(entry.uuid, path)
  }

  private unlink(path: SharePath, entry: LocalEntry): void {
    if (entry.sha256) {
      const paths = this.bySha.get(entry.sha256)
      paths?.delete(path)
      if (paths?.size === 0) this.bySha.delete(entry.sha256)
    }
    if (entry.uuid && this.byUuid.get(entry.uuid) === path) this.byUuid.delete(entry.uuid)
  }
}
