/**
 * Makes the local folder hold what the database says (directory.md, "Retrieving Files",
 * "Conflicts", "Deduplication", "Archival"). For each path it compares the live record with what
 * the local index says is on disk, and creates folders, removes or archives files, moves a renamed
 * file, copies a content the folder already holds, or asks the fetcher to download it.
 *
 * Every change on disk is checked against what the index last saw there (`Expected`), so a file
 * the user changed behind our back is never overwritten or deleted: it is preserved under a
 * conflict name and, on a read-write peer, recorded so every peer gets it.
 */
import type { Database } from '../database/database'
import type { AccessLevel } from '../database/outgoing'
import type { DatabaseRecord } from '../database/record'
import type { ConflictCopy } from './conflict-copies'
import { conflictPath, type RandomBytes } from './conflict-name'
import {
  copyIntoTemp,
  type ChangeResult,
  type EntryStat,
  type Expected,
  type FileStore,
  type TempFile,
} from './file-store'
import { serializeFileValue, type FileValue, type RegularFileValue } from './file-value'
import { hashStream, type HasherFactory } from './hasher'
import type { Selection } from './ignore'
import type { LocalEntry } from './local-index'
import type { LocalState } from './local-state'
import { fileValueOf, pathOfKey } from './record-view'
import { parentPath, ROOT_PATH, type SharePath } from './share-path'

export interface MaterializerOptions {
  readonly database: Database
  readonly store: FileStore
  readonly state: LocalState
  readonly selection: Selection
  readonly createHasher: HasherFactory
  readonly randomBytes: RandomBytes
  readonly access: AccessLevel
  /** Keep replaced and deleted files in the archive folder instead of removing them. */
  readonly archive: boolean
  /** Asks for a content to be downloaded into `path`. */
  readonly want: (path: SharePath, file: RegularFileValue, uuid: string) => void
  readonly log: (level: 'debug' | 'info' | 'warn', message: string) => void
}

export function expectedFor(entry: LocalEntry | undefined): Expected {
  if (!entry) return { kind: 'absent' }
  if (entry.kind === 'directory') return { kind: 'directory' }
  return { kind: 'file', size: entry.size, mtimeNs: entry.mtimeNs }
}

export function localEntry(stat: EntryStat, sha256: string | null, uuid?: string): LocalEntry {
  const kind = stat.kind === 'directory' ? 'directory' : 'file'
  return uuid === undefined
    ? { kind, size: stat.size, mtimeNs: stat.mtimeNs, sha256 }
    : { kind, size: stat.size, mtimeNs: stat.mtimeNs, sha256, uuid }
}

export class Materializer {
  /** Directories whose removal waits for their contents' tombstones. */
  private readonly pendingRemovals = new Set<SharePath>()

  constructor(private readonly o: MaterializerOptions) {}

  private local(path: SharePath): SharePath | undefined {
    return this.o.selection.toLocal(path)
  }

  /** Brings one path in line with a record that was just stored (received, or a conflict's outcome). */
  async reconcile(record: DatabaseRecord, live?: DatabaseRecord | null): Promise<void> {
    const path = pathOfKey(record.key, (m) => this.o.log('warn', `record ignored: ${m}`))
    if (path === undefined) return
    // `live`: the record now holding the key, when the caller already looked it up (null: none).
    const holder = live === undefined ? await this.o.database.get(record.key) : (live ?? undefined)
    const previous = this.o.state.pathOf(record.uuid)
    if (holder) await this.materialize(path, holder)
    else if (record.deleted) await this.remove(path)
    // A rename keeps the uuid: the old path is left over unless another record now holds it.
    if (previous !== undefined && previous !== path && !(await this.o.database.get(previous)))
      await this.remove(previous)
  }

  /** Makes `path` hold the live record `record`. */
  async materialize(path: SharePath, record: DatabaseRecord): Promise<void> {
    const value = fileValueOf(record, (m) => this.o.log('warn', `record ignored: ${m}`))
    if (!value || !this.o.selection.includes(path, value.kind === 'directory')) return
    const local = this.local(path)
    if (local === undefined) return
    const known = this.o.state.get(path)
    if (value.kind === 'directory') {
      if (known?.kind === 'directory') return
      await this.o.store.mkdir(local)
      const stat = await this.o.store.stat(local)
      if (stat) this.o.state.set(path, localEntry(stat, null, record.uuid))
      return
    }
    if (known?.sha256 === value.sha256) {
      if (known.uuid !== record.uuid) this.o.state.set(path, { ...known, uuid: record.uuid })
      return
    }
    if (await this.moveRenamed(path, record, value)) return
    if (value.size === 0n || this.o.state.pathWith(value.sha256) !== undefined) {
      await this.copyLocal(path, value, record.uuid)
      return
    }
    this.o.want(path, value, record.uuid)
  }

  /** A rename arrives as the same uuid under a new key: move the file instead of fetching it. */
  private async moveRenamed(
    path: SharePath,
    record: DatabaseRecord,
    value: RegularFileValue,
  ): Promise<boolean> {
    const from = this.o.state.pathOf(record.uuid)
    if (from === undefined || from === path) return false
    const known = this.o.state.get(from)
    const fromLocal = this.local(from)
    const toLocal = this.local(path)
    if (known?.sha256 !== value.sha256 || fromLocal === undefined || toLocal === undefined) return false
    if (this.o.state.get(path) !== undefined) return false
    const result = await this.o.store.move(fromLocal, toLocal, expectedFor(known))
    if (!result.ok) return false
    this.o.state.delete(from)
    this.o.state.set(path, {
      ...known,
      uuid: record.uuid,
      ...(result.stat ? { mtimeNs: result.stat.mtimeNs, size: result.stat.size } : {}),
    })
    this.o.log('info', `moved ${from} to ${path}`)
    await this.removeEmptiedParent(from)
    return true
  }

  /** Deduplication: "a copy of the local file should be used" (and an empty file needs no peer). */
  private async copyLocal(path: SharePath, value: RegularFileValue, uuid: string): Promise<void> {
    const source = this.o.state.pathWith(value.sha256)
    const sourceLocal = source === undefined ? undefined : this.local(source)
    const local = this.local(path)
    if (local === undefined) return
    const temp = await this.o.store.openTemp(local, value.sha256, { fresh: true })
    if (value.size === 0n) {
      await temp.truncate(0)
    } else {
      const copied =
        sourceLocal === undefined
          ? undefined
          : await copyIntoTemp(this.o.store, sourceLocal, temp, this.o.createHasher)
      if (copied?.sha256 !== value.sha256) {
        await temp.close()
        this.o.want(path, value, uuid) // the local copy changed since it was scanned
        return
      }
    }
    if (!(await this.commit(path, temp, value, uuid))) await temp.close()
  }

  /**
   * Puts a verified temporary file in place at `path`, which need not be the path it was opened
   * for (a content wanted at several paths goes to the first that takes it). If the target
   * changed since we last saw it, the user's version is kept under a conflict name first, so
   * nothing is lost. False when it could not be placed: the temporary file is then left as it is,
   * for the caller to try another path with or to release.
   */
  async commit(path: SharePath, temp: TempFile, value: RegularFileValue, uuid: string): Promise<boolean> {
    const local = this.local(path)
    if (local === undefined) return false
    const attributes = value.mtime === undefined ? {} : { mtimeNs: value.mtime }
    const withMode = value.unixMode === undefined ? attributes : { ...attributes, mode: value.unixMode }
    let expected = expectedFor(this.o.state.get(path))
    if (this.o.archive && expected.kind === 'file') {
      // "the other peer may opt to save copies in an archival directory": the replaced version
      // goes there first (a rename, so for a moment the path is empty, never half written).
      const archived = await this.o.store.remove(local, { expected, archive: true })
      if (archived.ok) {
        this.o.state.delete(path)
        expected = { kind: 'absent' }
      }
    }
    let result: ChangeResult = await this.o.store.commit(temp, {
      expected,
      attributes: withMode,
      target: local,
    })
    if (!result.ok) {
      if (!(await this.preserveUnnoticed(path, result.actual))) return false
      const options = { expected: { kind: 'absent' }, attributes: withMode, target: local } as const
      result = await this.o.store.commit(temp, options)
      if (!result.ok) return false
    }
    if (result.stat) this.o.state.set(path, localEntry(result.stat, value.sha256, uuid))
    this.o.log('debug', `wrote ${path}`)
    return true
  }

  /**
   * A file changed on disk without the scanner noticing yet: rename it to a conflict name and,
   * on a read-write peer, record it so it syncs like any file (directory.md, "Local file changes").
   */
  private async preserveUnnoticed(path: SharePath, actual: EntryStat | null): Promise<boolean> {
    if (actual === null) {
      this.o.state.delete(path)
      return true
    }
    if (actual.kind !== 'file') return false
    const to = conflictPath(path, this.o.randomBytes)
    const fromLocal = this.local(path)
    const toLocal = this.local(to)
    if (fromLocal === undefined || toLocal === undefined) return false
    const moved = await this.o.store.move(fromLocal, toLocal, {
      kind: 'file',
      size: actual.size,
      mtimeNs: actual.mtimeNs,
    })
    if (!moved.ok) return false
    this.o.state.delete(path)
    this.o.log('warn', `${path} was changed here while a new version arrived: kept it as ${to}`)
    if (this.o.access === 'read_write' && moved.stat) {
      const { sha256 } = await hashStream(this.o.store.read(toLocal), this.o.createHasher)
      const value: FileValue = {
        kind: 'file',
        size: BigInt(moved.stat.size),
        sha256,
        mtime: moved.stat.mtimeNs,
        extra: {},
      }
      const record = await this.o.database.set(to, serializeFileValue(value))
      this.o.state.set(to, localEntry(moved.stat, sha256, record.uuid))
    }
    return true
  }

  /**
   * The loser of a conflict kept here: its content is copied to the conflict name before the
   * winner lands, when the folder holds it at the original path. Otherwise (a peer's version this
   * folder never had, which lost to an edit made here) it is fetched like any file.
   */
  async applyCopies(copies: readonly ConflictCopy[]): Promise<void> {
    for (const copy of copies) {
      const record = await this.o.database.get(copy.to)
      const value = record && fileValueOf(record)
      if (!record || value?.kind !== 'file') continue
      if (this.o.state.get(copy.from)?.sha256 === copy.sha256)
        await this.copyLocal(copy.to, value, record.uuid)
      else await this.materialize(copy.to, record)
    }
  }

  /** Removes (or archives) what the index says is at `path`, unless it changed behind our back. */
  async remove(path: SharePath): Promise<void> {
    const known = this.o.state.get(path)
    const local = this.local(path)
    if (!known || local === undefined || path === ROOT_PATH) return
    const result = await this.o.store
      .remove(local, { expected: expectedFor(known), archive: this.o.archive && known.kind === 'file' })
      .catch((err: unknown) => {
        if ((err as { code?: string }).code === 'ERR_NOT_EMPTY') {
          this.pendingRemovals.add(path)
          return undefined
        }
        throw err
      })
    if (result === undefined) return
    if (!result.ok) {
      this.o.log('warn', `${path} was deleted elsewhere but changed here: keeping this version`)
      return
    }
    this.o.state.delete(path)
    this.pendingRemovals.delete(path)
    await this.removeEmptiedParent(path)
  }

  /** A folder deleted elsewhere while it still held `path` goes once `path` has left it (removed or moved). */
  private async removeEmptiedParent(path: SharePath): Promise<void> {
    const parent = parentPath(path)
    if (this.pendingRemovals.has(parent)) await this.remove(parent)
  }
}
