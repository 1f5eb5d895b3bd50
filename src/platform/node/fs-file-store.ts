import { constants, mkdirSync, openSync, renameSync, rmdirSync, unlinkSync, type BigIntStats } from 'node:fs'
import { opendir, stat } from 'node:fs/promises'
import { join } from 'node:path'
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
  type OpenTempOptions,
  type RemoveOptions,
  type TempFile,
} from '../../protocol/directory/file-store'
import {
  LocalPathMap,
  POSIX_NAMES,
  type LocalNameRules,
  type LocalPath,
} from '../../protocol/directory/local-names'
import type { SharePath } from '../../protocol/directory/share-path'
import { DirectWriter } from './direct-writer'
import { DirectorySyncs } from './directory-sync'
import {
  applyAttributes,
  closeFd,
  errno,
  fdSize,
  fdStat,
  lstatOrNone,
  openNoFollow,
  readChunks,
  syncFd,
  truncateFd,
  writeAll,
} from './fd'

/**
 * The file store on node:fs. Atomic replacement is the POSIX recipe: write a temporary file
 * beside the target, fsync it, rename() it over the target ("On unix systems, rename() should be
 * used to overwrite the original file so that it is done atomically", directory.md), fsync the
 * directory. The directory's fsync is made by `settle`, once for every rename made in that
 * directory since (a sync of 10,000 small files in 100 folders made 10,000 of them, each a
 * thread-pool round trip, for 100 folders); the engine settles before its local index records
 * the files. Every parent below the root is checked with lstat and every file is opened with
 * O_NOFOLLOW, so a symbolic link inside the share never leads a read or a write outside it.
 *
 * Known gap: between the "target unchanged?" check and rename() a local edit can still slip in;
 * POSIX has no compare-and-rename. The check comes after the temporary file's fsync, so the window
 * is a few synchronous calls (lstat, rename), never a wait.
 *
 * Metadata calls and small reads and writes are synchronous, fsync and bulk data are not (fd.ts).
 */
export interface FsFileStoreOptions {
  /** Name rules of the file system; by default those of the platform we run on. */
  readonly names?: LocalNameRules
  /**
   * fsync the file before the rename and the directory after it (default true), so a power cut
   * also leaves the old file or the new one. Without it a crashed process still never leaves a
   * mix (rename is atomic for processes), and small files commit several times faster; on ext4,
   * replace-by-rename flushes the data first anyway (auto_da_alloc).
   */
  readonly durable?: boolean
}

export function nameRulesFor(platform: NodeJS.Platform): LocalNameRules {
  if (platform === 'win32') return { windowsNames: true, caseInsensitive: true }
  if (platform === 'darwin') return { windowsNames: false, caseInsensitive: true }
  return POSIX_NAMES
}

const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW
const TEMP_FLAGS = constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW
const FRESH_TEMP_FLAGS = TEMP_FLAGS | constants.O_TRUNC

function toEntryStat(s: BigIntStats): EntryStat {
  const kind = s.isFile() ? 'file' : s.isDirectory() ? 'directory' : 'other'
  return {
    kind,
    size: kind === 'file' ? Number(s.size) : 0,
    mtimeNs: s.mtimeNs,
    mode: Number(s.mode) & 0o7777,
  }
}

/** What is at `abs` (not following a link), or null. Synchronous: see fd.ts. */
function lstatEntry(abs: string): EntryStat | null {
  const found = lstatOrNone(abs)
  return found ? toEntryStat(found) : null
}

/** fsync a directory so a rename in it survives a power cut (best effort: not every system allows it). */
async function syncDirectory(abs: string): Promise<void> {
  let fd: number
  try {
    fd = openSync(abs, constants.O_RDONLY)
  } catch {
    return // Windows cannot open a directory for fsync; its rename is durable through NTFS's journal.
  }
  try {
    await syncFd(fd)
  } catch {
    // Some file systems refuse to fsync a directory; there is nothing more to do.
  } finally {
    closeFd(fd)
  }
}

interface Location {
  readonly local: LocalPath
  /** The parent directory, absolute. */
  readonly dir: string
  readonly name: string
  readonly abs: string
}

export class FsFileStore implements FileStore {
  readonly names: LocalPathMap
  private readonly durable: boolean
  private readonly directorySyncs = new DirectorySyncs(syncDirectory)
  /** Directories renamed into by a commit since `settle` last fsynced them. */
  private readonly unsettled = new Set<string>()

  constructor(
    readonly root: string,
    options: FsFileStoreOptions = {},
  ) {
    this.names = new LocalPathMap(options.names ?? nameRulesFor(process.platform))
    this.durable = options.durable ?? true
  }

  async checkRoot(): Promise<void> {
    let isDirectory = false
    try {
      isDirectory = (await stat(this.root)).isDirectory()
    } catch (err) {
      if (errno(err) !== 'ENOENT' && errno(err) !== 'ENOTDIR') throw err
    }
    if (!isDirectory)
      throw new FileStoreError(
        'ERR_SHARE_ROOT_MISSING',
        `share folder ${this.root} is missing or not a folder`,
      )
  }

  async *list(skipDirectory?: (path: string) => boolean): AsyncIterable<ListedEntry> {
    await this.checkRoot()
    yield* this.walk('/', this.root, skipDirectory ?? (() => false))
  }

  private async *walk(
    local: LocalPath,
    absDir: string,
    skip: (path: string) => boolean,
  ): AsyncGenerator<ListedEntry> {
    for await (const dirent of await opendir(absDir)) {
      if (!dirent.isFile() && !dirent.isDirectory()) continue // links, devices, sockets: not synced
      const childLocal = `${local === '/' ? '' : local}/${dirent.name}`
      const abs = join(absDir, dirent.name)
      const entry = lstatEntry(abs)
      if (entry === null || entry.kind === 'other') continue // gone, or replaced by a link meanwhile
      const path = this.names.toWire(childLocal)
      // Reserve the name as found, so a peer's file that differs only in case is mapped beside it.
      this.names.remember(path as SharePath, childLocal)
      if (entry.kind === 'file') {
        yield { path, ...entry }
        continue
      }
      if (skip(path)) continue
      const children = this.walk(childLocal, abs, skip)
      let first: IteratorResult<ListedEntry> | undefined
      try {
        first = await children.next()
      } catch (err) {
        if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') continue // removed while we listed
        if (errno(err) !== 'EACCES' && errno(err) !== 'EPERM') throw err
        yield { path, ...entry, unreadable: true }
        continue
      }
      yield { path, ...entry }
      if (!first.done) {
        yield first.value
        yield* children
      }
    }
  }

  /**
   * The directories from the root down to `localDir`, each checked with lstat: a symbolic link or
   * a file where a directory should be stops everything. Missing ones are created when asked.
   */
  private directory(localDir: LocalPath, create: boolean): string {
    let abs = this.root
    for (const name of localDir.split('/').filter(Boolean)) {
      abs = join(abs, name)
      let entry = lstatEntry(abs)
      if (entry === null && create) {
        try {
          mkdirSync(abs)
        } catch (err) {
          if (errno(err) !== 'EEXIST') throw err
        }
        entry = lstatEntry(abs)
      }
      if (entry === null) throw new FileStoreError('ERR_NOT_FOUND', `${localDir}: ${abs} does not exist`)
      if (entry.kind === 'other')
        throw new FileStoreError('ERR_OUTSIDE_SHARE', `${localDir}: ${abs} is a link or special file`)
      if (entry.kind !== 'directory')
        throw new FileStoreError('ERR_NOT_A_DIRECTORY', `${localDir}: ${abs} is a file`)
    }
    return abs
  }

  private locate(path: SharePath, createParents: boolean): Location {
    const local = this.names.toLocal(path)
    const slash = local.lastIndexOf('/')
    const dir = this.directory(local.slice(0, slash), createParents)
    const name = local.slice(slash + 1)
    return { local, dir, name, abs: join(dir, name) }
  }

  /** Like locate, but a missing parent means "nothing there" rather than an error. */
  private find(path: SharePath): { at: Location; stat: EntryStat | null } | null {
    try {
      const at = this.locate(path, false)
      return { at, stat: lstatEntry(at.abs) }
    } catch (err) {
      if (
        err instanceof FileStoreError &&
        (err.code === 'ERR_NOT_FOUND' || err.code === 'ERR_NOT_A_DIRECTORY')
      )
        return null
      throw err
    }
  }

  async stat(path: SharePath): Promise<EntryStat | null> {
    return this.find(path)?.stat ?? null
  }

  async *read(path: SharePath, range?: ByteRange): AsyncIterable<Uint8Array> {
    const { abs } = this.locate(path, false)
    const fd = openNoFollow(abs, READ_FLAGS, path)
    try {
      const info = fdStat(fd)
      if (!info.isFile()) throw new FileStoreError('ERR_NOT_A_FILE', `${path} is not a file`)
      const size = Number(info.size)
      const start = range?.start ?? 0
      yield* readChunks(fd, start, Math.min(size, range ? start + range.length : size))
    } finally {
      closeFd(fd)
    }
  }

  async openTemp(path: SharePath, sha256: string, options?: OpenTempOptions): Promise<TempFile> {
    const { dir, name } = this.locate(path, true)
    const abs = join(dir, tempName(name, sha256))
    // A fresh one is truncated as it opens: its size is 0 without asking.
    const fd = openNoFollow(abs, options?.fresh ? FRESH_TEMP_FLAGS : TEMP_FLAGS, path)
    return new FsTempFile(path, sha256, abs, fd, options?.fresh ? 0 : fdSize(fd))
  }

  async commit(temp: TempFile, options: CommitOptions): Promise<ChangeResult> {
    if (!(temp instanceof FsTempFile)) throw new TypeError('commit takes a temporary file from this store')
    // Attributes and fsync first: the check of the target and the rename then follow each other
    // with no wait between them.
    const stat = await temp.finish(options.attributes, this.durable)
    const target = this.locate(options.target ?? temp.path, true)
    const actual = lstatEntry(target.abs)
    if (!matchesExpected(actual, options.expected)) return { ok: false, reason: 'changed', actual }
    renameSync(temp.abs, target.abs)
    if (this.durable) this.unsettled.add(target.dir)
    return { ok: true, stat }
  }

  /** fsyncs every directory a commit renamed into since the last call (`FileStore.settle`). */
  async settle(): Promise<void> {
    if (this.unsettled.size === 0) return
    const dirs = [...this.unsettled]
    this.unsettled.clear()
    await Promise.all(dirs.map((dir) => this.directorySyncs.sync(dir)))
  }

  async move(from: SharePath, to: SharePath, expected: Expected): Promise<ChangeResult> {
    const source = this.find(from)
    const actual = source?.stat ?? null
    if (source === null || !matchesExpected(actual, expected) || actual === null)
      return { ok: false, reason: 'changed', actual }
    const target = this.locate(to, true)
    const existing = lstatEntry(target.abs)
    if (existing !== null) return { ok: false, reason: 'changed', actual: existing }
    renameSync(source.at.abs, target.abs)
    this.names.forget(from)
    // A move is durable before it returns: a conflict copy is made by a move, and the file that
    // replaces it must not reach the disk first.
    if (this.durable) await this.directorySyncs.sync(target.dir)
    return { ok: true, stat: lstatEntry(target.abs) }
  }

  async remove(path: SharePath, options: RemoveOptions): Promise<ChangeResult> {
    const found = this.find(path)
    const actual = found?.stat ?? null
    if (!matchesExpected(actual, options.expected)) return { ok: false, reason: 'changed', actual }
    if (found === null || actual === null) return { ok: true, stat: null }
    if (actual.kind === 'directory') {
      try {
        rmdirSync(found.at.abs)
      } catch (err) {
        if (errno(err) === 'ENOTEMPTY' || errno(err) === 'EEXIST') {
          throw new FileStoreError('ERR_NOT_EMPTY', `${path} is a folder that is not empty`)
        }
        throw err
      }
    } else if (options.archive) {
      renameSync(found.at.abs, this.freeArchiveSlot(found.at.local))
    } else {
      unlinkSync(found.at.abs)
    }
    this.names.forget(path)
    return { ok: true, stat: null }
  }

  /** The first free archive slot for a file (see `archiveSlot`), its folders created. */
  private freeArchiveSlot(local: LocalPath): string {
    const dir = this.directory(archiveSlot(local, 1).dir, true)
    for (let attempt = 1; ; attempt++) {
      const abs = join(dir, archiveSlot(local, attempt).name)
      if (lstatEntry(abs) === null) return abs
    }
  }

  async mkdir(path: SharePath): Promise<void> {
    this.directory(this.names.toLocal(path), true)
  }

  async setAttributes(path: SharePath, attributes: Attributes): Promise<EntryStat> {
    const { abs } = this.locate(path, false)
    const fd = openNoFollow(abs, READ_FLAGS, path)
    try {
      applyAttributes(fd, attributes)
      return toEntryStat(fdStat(fd))
    } finally {
      closeFd(fd)
    }
  }
}

function sameAttributes(a: Attributes | undefined, b: Attributes | undefined): boolean {
  return a?.mode === b?.mode && a?.mtimeNs === b?.mtimeNs
}

/**
 * A temporary file writes directly to the disk (direct-writer.ts) once this much has been appended
 * since it was opened: a large file's bytes then skip the page cache, and small files, most of a
 * share, keep their one plain write each.
 */
export const DIRECT_FROM_BYTES = 8 * 1024 * 1024

class FsTempFile implements TempFile {
  private open = true
  private appending: Promise<void> = Promise.resolve()
  private appended = 0
  private direct: DirectWriter | undefined
  private directTried = false
  /** Set once `finish` has run: the attributes it applied, and the file's stat after them. */
  private finished: { readonly attributes: Attributes | undefined; readonly stat: EntryStat } | undefined

  constructor(
    readonly path: SharePath,
    readonly sha256: string,
    readonly abs: string,
    private readonly fd: number,
    public size: number,
  ) {}

  private check(): void {
    if (!this.open) throw new FileStoreError('ERR_TEMP_CLOSED', `temporary file for ${this.path} is closed`)
  }

  /** While it writes directly: the direct writer copies every append into its own buffers. */
  get gathers(): boolean {
    return this.direct !== undefined
  }

  /** Appends in call order even if the caller does not wait between calls. */
  append(chunk: Uint8Array): Promise<void> {
    this.check()
    const done = this.appending.then(async () => {
      if (!this.directTried && this.appended >= DIRECT_FROM_BYTES) {
        this.directTried = true
        this.direct = DirectWriter.open(this.fd, this.size)
      }
      const direct = this.direct
      if (direct) await this.directly(direct, () => direct.append(chunk))
      else await writeAll(this.fd, chunk, this.size)
      this.size += chunk.byteLength
      this.appended += chunk.byteLength
    })
    this.appending = done.catch(() => undefined)
    return done
  }

  async *read(): AsyncIterable<Uint8Array> {
    this.check()
    await this.appending
    const direct = this.direct
    if (direct) await this.directly(direct, () => direct.drain())
    yield* readChunks(this.fd, 0, this.size)
  }

  async truncate(length: number): Promise<void> {
    this.check()
    await this.stopDirect()
    truncateFd(this.fd, length)
    this.size = Math.min(this.size, length)
  }

  /**
   * Sets attributes and makes the file durable (if asked), so one fsync covers its mode and mtime
   * too, then releases it: ready to rename. Its stat is what the committed file has. A commit
   * refused because the target changed may be made again under another name: the file stays
   * finished, and is opened again only if that commit asks for other attributes.
   */
  async finish(attributes: Attributes | undefined, durable: boolean): Promise<EntryStat> {
    if (this.finished) {
      if (sameAttributes(this.finished.attributes, attributes)) return this.finished.stat
      const fd = openNoFollow(this.abs, READ_FLAGS, this.path)
      try {
        return await this.prepare(fd, attributes, durable)
      } finally {
        closeFd(fd)
      }
    }
    this.check()
    await this.stopDirect()
    const stat = await this.prepare(this.fd, attributes, durable)
    await this.close()
    return stat
  }

  private async prepare(
    fd: number,
    attributes: Attributes | undefined,
    durable: boolean,
  ): Promise<EntryStat> {
    applyAttributes(fd, attributes)
    if (durable) await syncFd(fd)
    const stat = toEntryStat(fdStat(fd))
    this.finished = { attributes, stat }
    return stat
  }

  /**
   * Runs `write` (an append, drain or close) on the direct writer. After a failed write (a full
   * disk) what the writer held is lost: it is let go, and the file's size is then what the disk
   * has, so that what comes next is appended where the file really ends, never after a gap.
   */
  private async directly(direct: DirectWriter, write: () => Promise<void>): Promise<void> {
    try {
      await write()
    } catch (err) {
      this.direct = undefined
      // The write's failure is the one to report: letting go of the writer cannot add to it.
      await direct.abandon().catch(() => undefined)
      this.size = fdSize(this.fd)
      throw err
    }
  }

  /** Waits for the appends and writes out what the direct writer holds; a later append may start another. */
  private async stopDirect(): Promise<void> {
    await this.appending
    const direct = this.direct
    this.direct = undefined
    this.directTried = false
    if (direct) await this.directly(direct, () => direct.close())
  }

  async close(): Promise<void> {
    if (!this.open) return
    this.open = false
    try {
      await this.stopDirect()
    } finally {
      closeFd(this.fd)
    }
  }

  async discard(): Promise<void> {
    if (this.open) {
      this.open = false
      await this.appending
      await this.direct?.abandon()
      this.direct = undefined
      closeFd(this.fd)
    }
    try {
      unlinkSync(this.abs)
    } catch (err) {
      if (errno(err) !== 'ENOENT') throw err
    }
  }
}
