/**
 * The file store on the File System Access API: one implementation for any directory handle,
 * the origin private file system (browser storage) or a folder the person picked.
 *
 * Replacement follows the platform contract (`file-store.ts`): a temporary file beside the target
 * (written in place by a sync access handle where the browser has one, through a writable
 * elsewhere: `fsa-temp-file.ts`) is written and verified by the caller, then committed in the best single step the browser has:
 * `FileSystemHandle.move()` over the target, or else a copy into the target's `createWritable()`,
 * whose swap file replaces the target atomically on close. mtime and mode, which the API cannot
 * set, live in a side table (`attribute-store.ts`).
 *
 * Every error of the API is mapped to a `FileStoreError` where it has a meaning for the engine:
 * a full quota is `ERR_NO_SPACE`, a picked folder whose permission lapsed is `ERR_NO_PERMISSION`.
 *
 * Known gaps: like rename() on POSIX there is no compare-and-replace, so a local edit between the
 * `expected` check and the move still slips in; the API gives no way to tell a symbolic link in a
 * picked folder from what it points to, so the store cannot refuse to follow one as Node's does.
 */
import {
  archiveSlot,
  FileStoreError,
  matchesExpected,
  tempName,
  type Attributes,
  type ByteRange,
  type ChangeResult,
  type CommitOptions,
  type EntryStat,
  type Expected,
  type FileStore,
  type ListedEntry,
  type RemoveOptions,
  type TempFile,
} from '../../protocol/directory/file-store'
import {
  LocalPathMap,
  POSIX_NAMES,
  type LocalNameRules,
  type LocalPath,
} from '../../protocol/directory/local-names'
import { ROOT_PATH, type SharePath } from '../../protocol/directory/share-path'
import { asArrayBufferView } from '../../protocol/wire/bytes'
import { fileStat, MemoryAttributeStore, type AttributeStore, type SideAttributes } from './attribute-store'
import { readBlob } from './blob-reader'
import { DirectoryCache } from './directory-cache'
import { LeftTemps } from './left-temps'
import {
  domName,
  entryIn,
  guarded,
  readWritePermission,
  storeError,
  tryMove,
  type EntryHandle,
} from './fsa-handles'
import { FsaTempFile, WritableTempFile } from './fsa-temp-file'
import { MemoryTempFile } from './memory-temp-file'
import { openSyncAccess } from './sync-access'
import { SyncTempFile } from './sync-temp-file'

export interface FsaFileStoreOptions {
  /**
   * Name rules of the file system underneath: OPFS takes any name (the default, POSIX rules); a
   * folder picked on Windows or macOS needs `{ windowsNames, caseInsensitive }` as there.
   */
  readonly names?: LocalNameRules
  /** Where peers' mtimes and modes are kept; in memory unless given (`IdbAttributeStore`). */
  readonly attributes?: AttributeStore
}

/** The API reports no time for a folder. */
const DIRECTORY_STAT: EntryStat = { kind: 'directory', size: 0, mtimeNs: 0n }
/**
 * Chromium's `createWritable()` writes to `<name>.crswap` beside the file until `close()`; in a
 * picked folder that file is visible, and must not be synced as if the person had made it.
 */
export const SWAP_SUFFIX = '.crswap'
const PERMISSION_BITS = 0o777
const OWNER_READ_WRITE = 0o600

/** A name in a folder. */
interface Place {
  readonly dir: FileSystemDirectoryHandle
  readonly name: string
}

interface Location extends Place {
  readonly local: LocalPath
}

export class FsaFileStore implements FileStore {
  readonly names: LocalPathMap
  private readonly attributes: AttributeStore
  private readonly dirs: DirectoryCache
  private readonly temps = new LeftTemps()

  constructor(
    readonly root: FileSystemDirectoryHandle,
    options: FsaFileStoreOptions = {},
  ) {
    this.names = new LocalPathMap(options.names ?? POSIX_NAMES)
    this.attributes = options.attributes ?? new MemoryAttributeStore()
    this.dirs = new DirectoryCache(root)
  }

  async checkRoot(): Promise<void> {
    // After a reload a picked folder's permission is 'prompt' again: only the page can ask.
    if ((await readWritePermission(this.root)) !== 'granted') {
      throw new FileStoreError(
        'ERR_NO_PERMISSION',
        `the browser needs permission again to use the folder "${this.root.name}"`,
      )
    }
    try {
      await this.root.keys().next()
    } catch (err) {
      if (domName(err) === 'NotFoundError') {
        throw new FileStoreError(
          'ERR_SHARE_ROOT_MISSING',
          `share folder "${this.root.name}" is gone (deleted, or site data cleared)`,
          { cause: err },
        )
      }
      throw storeError(err, `share folder "${this.root.name}"`)
    }
  }

  async *list(skipDirectory: (path: string) => boolean = () => false): AsyncIterable<ListedEntry> {
    await this.checkRoot()
    yield* this.walk('/', this.root, skipDirectory)
  }

  private async *walk(
    local: LocalPath,
    dir: FileSystemDirectoryHandle,
    skip: (path: string) => boolean,
  ): AsyncGenerator<ListedEntry> {
    for await (const [name, handle] of dir.entries()) {
      const childLocal = `${local === '/' ? '' : local}/${name}`
      const path = this.names.toWire(childLocal)
      if (handle.kind === 'file') {
        if (name.endsWith(SWAP_SUFFIX)) continue
        const stat = await this.statOf(childLocal, handle)
        if (stat !== null) yield { path, ...stat }
        continue
      }
      if (skip(path)) continue
      const children = this.walk(childLocal, handle, skip)
      let first: IteratorResult<ListedEntry>
      try {
        first = await children.next()
      } catch (err) {
        if (domName(err) === 'NotFoundError') continue // removed while we listed
        if (domName(err) !== 'NotAllowedError' && domName(err) !== 'SecurityError') throw err
        yield { path, ...DIRECTORY_STAT, unreadable: true }
        continue
      }
      yield { path, ...DIRECTORY_STAT }
      if (!first.done) {
        yield first.value
        yield* children
      }
    }
  }

  private async statOf(local: LocalPath, handle: EntryHandle): Promise<EntryStat | null> {
    if (handle.kind === 'directory') return DIRECTORY_STAT
    try {
      return fileStat(await handle.getFile(), await this.attributes.get(local))
    } catch (err) {
      if (domName(err) === 'NotFoundError') return null
      throw storeError(err, local)
    }
  }

  /** The directories from the root down to `localDir` (cached: `directory-cache.ts`); missing ones are created when asked. */
  private directory(localDir: LocalPath, create: boolean): Promise<FileSystemDirectoryHandle> {
    return this.dirs.get(localDir, create)
  }

  private clearCaches(): void {
    this.dirs.clear()
    this.temps.clear()
  }

  /** A folder the store removed or moved. */
  private forgetFolder(local: LocalPath): void {
    this.dirs.forget(local)
    this.temps.forget(local)
  }

  /**
   * Runs a change once more, from fresh directory handles, should it fail because a cached folder
   * was removed behind the store's back (without the cache it would have walked, and created the
   * folder again). `retry` false, for a change that cannot simply run again: the cache is
   * cleared for the next call, and the error stands.
   */
  private async healing<T>(change: () => Promise<T>, retry = true): Promise<T> {
    try {
      return await change()
    } catch (err) {
      if (!isNotFound(err)) throw err
      this.clearCaches()
      if (!retry) throw err
      return change()
    }
  }

  private async locate(path: SharePath, createParents: boolean): Promise<Location> {
    const local = this.names.toLocal(path)
    const slash = local.lastIndexOf('/')
    return {
      local,
      dir: await this.directory(local.slice(0, slash), createParents),
      name: local.slice(slash + 1),
    }
  }

  /** Like locate, but a missing parent means "nothing there" rather than an error. */
  private async find(path: SharePath): Promise<{ at: Location; handle: EntryHandle | null } | null> {
    // The share's folder has no name to ask its parent for (getFileHandle('') is a TypeError).
    if (path === ROOT_PATH) return { at: { local: ROOT_PATH, dir: this.root, name: '' }, handle: this.root }
    try {
      const at = await this.locate(path, false)
      return { at, handle: await entryIn(at.dir, at.name) }
    } catch (err) {
      if (
        err instanceof FileStoreError &&
        (err.code === 'ERR_NOT_FOUND' || err.code === 'ERR_NOT_A_DIRECTORY')
      )
        return null
      throw err
    }
  }

  private async statAt(at: Location): Promise<EntryStat | null> {
    const handle = await entryIn(at.dir, at.name)
    return handle === null ? null : this.statOf(at.local, handle)
  }

  async stat(path: SharePath): Promise<EntryStat | null> {
    const found = await this.find(path)
    return found?.handle ? this.statOf(found.at.local, found.handle) : null
  }

  async *read(path: SharePath, range?: ByteRange): AsyncIterable<Uint8Array> {
    const { dir, name } = await this.locate(path, false)
    const handle = await entryIn(dir, name)
    if (handle === null) throw new FileStoreError('ERR_NOT_FOUND', `${path} does not exist`)
    if (handle.kind !== 'file') throw new FileStoreError('ERR_NOT_A_FILE', `${path} is not a file`)
    // A File is a snapshot: no lock is held, so a commit of this path meanwhile goes ahead, and
    // a read that outlives it fails (NotReadableError) rather than mixing the two versions.
    const file = await guarded(path, () => handle.getFile())
    const start = range?.start ?? 0
    yield* readBlob(file, start, range ? start + range.length : file.size)
  }

  /**
   * A partial file left by an interrupted transfer is reopened as it is; otherwise the content
   * gathers in memory until complete (or too large: `memory-temp-file.ts`), and nothing is created.
   */
  async openTemp(path: SharePath, sha256: string): Promise<TempFile> {
    return this.healing(async () => {
      const { dir, name, local } = await this.locate(path, true)
      const localDir = local.slice(0, local.lastIndexOf('/'))
      const temp = tempName(name, sha256)
      const left = (await this.temps.has(localDir, dir, temp)) ? await entryIn(dir, temp) : null
      if (left?.kind === 'file') return this.openOnDisk(path, sha256, dir, temp, left)
      const refind = (): Promise<FileSystemDirectoryHandle> => {
        this.clearCaches()
        return this.directory(localDir, true)
      }
      const written = (): void => this.temps.note(localDir, temp, true)
      return new MemoryTempFile(path, sha256, dir, temp, {
        spill: () => this.openOnDisk(path, sha256, dir, temp),
        refind,
        written,
      })
    })
  }

  /** The temporary file on disk, created if missing: in place through a sync access handle where there is one. */
  private async openOnDisk(
    path: SharePath,
    sha256: string,
    dir: FileSystemDirectoryHandle,
    temp: string,
    existing?: FileSystemFileHandle,
  ): Promise<FsaTempFile> {
    const handle = existing ?? (await guarded(path, () => dir.getFileHandle(temp, { create: true })))
    const local = this.names.toLocal(path)
    this.temps.note(local.slice(0, local.lastIndexOf('/')), temp, true)
    // Locked: another tab holds it, and a writable could not open it either.
    const access = await guarded(path, () => openSyncAccess(handle))
    if (access) return new SyncTempFile(path, sha256, dir, temp, handle, access)
    const file = await guarded(path, () => handle.getFile())
    return new WritableTempFile(path, sha256, dir, temp, handle, file.size)
  }

  async commit(temp: TempFile, options: CommitOptions): Promise<ChangeResult> {
    if (!(temp instanceof FsaTempFile)) throw new TypeError('commit takes a temporary file from this store')
    const path = options.target ?? temp.path
    let target = await this.locate(path, true)
    const actual = await this.statAt(target)
    if (!matchesExpected(actual, options.expected)) return { ok: false, reason: 'changed', actual }
    const finished = await this.healing(() => temp.finish(), false)
    const what = `replacing ${target.local}`
    let placed: FileSystemFileHandle
    try {
      placed = await this.moveFile(finished, temp.dir, target, what)
    } catch (err) {
      if (!isNotFound(err)) throw err
      // A cached folder removed behind our back: found (or made) again, and checked again.
      this.clearCaches()
      target = await this.locate(path, true)
      const again = await this.statAt(target)
      if (!matchesExpected(again, options.expected)) throw err
      const source = (await temp.writeAgain()) ?? finished
      placed = await this.moveFile(source, temp.dir, target, what)
    }
    const tempLocal = this.names.toLocal(temp.path)
    this.temps.note(tempLocal.slice(0, tempLocal.lastIndexOf('/')), temp.name, false)
    // The moved handle is the target now: its stat costs no lookup. The target's old side-table
    // entry no longer applies (set afresh below, or dropped).
    const file = await guarded(what, () => placed.getFile())
    if (options.attributes)
      return { ok: true, stat: await this.applyAttributes(target.local, file, options.attributes, undefined) }
    await this.attributes.delete(target.local)
    return { ok: true, stat: fileStat(file, undefined) }
  }

  /**
   * A file moved in one step by `FileSystemHandle.move()`; where the browser lacks it, copied into
   * the target's writable, whose swap file replaces the target atomically on close, and then the
   * source removed.
   */
  private async moveFile(
    source: FileSystemFileHandle,
    sourceDir: FileSystemDirectoryHandle,
    to: Place,
    what: string,
  ): Promise<FileSystemFileHandle> {
    // A handle follows its file when moved: `source` names the target from now on.
    if (await guarded(what, () => tryMove(source, to.dir, to.name))) return source
    const handle = await guarded(what, () => to.dir.getFileHandle(to.name, { create: true }))
    const writable = await guarded(what, () => handle.createWritable())
    try {
      for await (const chunk of readBlob(await source.getFile()))
        await guarded(what, () => writable.write(asArrayBufferView(chunk)))
    } catch (err) {
      await writable.abort()
      throw err
    }
    await guarded(what, () => writable.close())
    await guarded(what, () => sourceDir.removeEntry(source.name))
    return handle
  }

  async move(from: SharePath, to: SharePath, expected: Expected): Promise<ChangeResult> {
    return this.healing(() => this.moveNow(from, to, expected), false)
  }

  private async moveNow(from: SharePath, to: SharePath, expected: Expected): Promise<ChangeResult> {
    const source = await this.find(from)
    const actual = source?.handle ? await this.statOf(source.at.local, source.handle) : null
    if (source === null || source.handle === null || actual === null || !matchesExpected(actual, expected)) {
      return { ok: false, reason: 'changed', actual }
    }
    const target = await this.locate(to, true)
    const existing = await this.statAt(target)
    if (existing !== null) return { ok: false, reason: 'changed', actual: existing }
    await this.moveEntry(source.handle, source.at.dir, target, `moving ${from}`)
    if (source.handle.kind === 'directory') this.forgetFolder(source.at.local)
    await this.attributes.move(source.at.local, target.local)
    this.names.forget(from)
    return { ok: true, stat: await this.statAt(target) }
  }

  /**
   * Chromium moves files but not folders (no `move` on a directory handle): a folder is made
   * anew and its contents moved one by one, then the old one removed. Not one step, but nothing
   * is lost if it stops halfway: each entry is in one of the two places.
   */
  private async moveEntry(
    handle: EntryHandle,
    fromDir: FileSystemDirectoryHandle,
    to: Place,
    what: string,
  ): Promise<void> {
    if (handle.kind === 'file') {
      await this.moveFile(handle, fromDir, to, what)
      return
    }
    if (await guarded(what, () => tryMove(handle, to.dir, to.name))) return
    const moved = await guarded(what, () => to.dir.getDirectoryHandle(to.name, { create: true }))
    const children: EntryHandle[] = []
    for await (const child of handle.values()) children.push(child) // not moved while listing: the listing would skip
    for (const child of children) await this.moveEntry(child, handle, { dir: moved, name: child.name }, what)
    await guarded(what, () => fromDir.removeEntry(handle.name))
  }

  async remove(path: SharePath, options: RemoveOptions): Promise<ChangeResult> {
    return this.healing(() => this.removeNow(path, options), false)
  }

  private async removeNow(path: SharePath, options: RemoveOptions): Promise<ChangeResult> {
    const found = await this.find(path)
    const actual = found?.handle ? await this.statOf(found.at.local, found.handle) : null
    if (!matchesExpected(actual, options.expected)) return { ok: false, reason: 'changed', actual }
    if (found === null || found.handle === null || actual === null) return { ok: true, stat: null }
    const { at, handle } = found
    if (handle.kind === 'file' && options.archive) {
      await this.moveEntry(handle, at.dir, await this.freeArchiveSlot(at.local), `archiving ${path}`)
    } else {
      await guarded(path, () => at.dir.removeEntry(at.name))
      if (handle.kind === 'directory') this.forgetFolder(at.local)
    }
    await this.attributes.delete(at.local)
    this.names.forget(path)
    return { ok: true, stat: null }
  }

  /** The first free archive slot for a file (see `archiveSlot`), its folders created. */
  private async freeArchiveSlot(local: LocalPath): Promise<Place> {
    const dir = await this.directory(archiveSlot(local, 1).dir, true)
    for (let attempt = 1; ; attempt++) {
      const { name } = archiveSlot(local, attempt)
      if ((await entryIn(dir, name)) === null) return { dir, name }
    }
  }

  async mkdir(path: SharePath): Promise<void> {
    // Made for certain: a cached handle may name a folder removed since.
    const local = this.names.toLocal(path)
    await this.healing(async () => {
      const dir = await this.directory(local, true)
      await guarded(local, () => dir.keys().next())
    })
  }

  async setAttributes(path: SharePath, attributes: Attributes): Promise<EntryStat> {
    const at = await this.locate(path, false)
    const handle = await entryIn(at.dir, at.name)
    if (handle === null) throw new FileStoreError('ERR_NOT_FOUND', `${path} does not exist`)
    if (handle.kind === 'directory') return DIRECTORY_STAT
    const file = await guarded(path, () => handle.getFile())
    return this.applyAttributes(at.local, file, attributes, await this.attributes.get(at.local))
  }

  /** Keeps a peer's mtime and mode for the file at `local`, now `file`, whose side-table entry was `side`. */
  private async applyAttributes(
    local: LocalPath,
    file: File,
    attributes: Attributes,
    side: SideAttributes | undefined,
  ): Promise<EntryStat> {
    const before = fileStat(file, side)
    // As on Node: permission bits only, and always read and write for ourselves.
    const mode =
      attributes.mode === undefined ? before.mode : (attributes.mode & PERMISSION_BITS) | OWNER_READ_WRITE
    const after: SideAttributes = {
      mtimeNs: attributes.mtimeNs ?? before.mtimeNs,
      size: file.size,
      lastModifiedMs: file.lastModified,
      ...(mode === undefined ? {} : { mode }),
    }
    await this.attributes.set(local, after)
    return fileStat(file, after)
  }
}

function isNotFound(err: unknown): boolean {
  return domName(err) === 'NotFoundError' || (err instanceof FileStoreError && err.code === 'ERR_NOT_FOUND')
}
