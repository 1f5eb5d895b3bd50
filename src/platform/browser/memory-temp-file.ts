/**
 * A temporary file that starts in memory: where no partial file was left (every file of a fresh
 * sync), the content is written in one go (at once in the background for a small file, which
 * arrives whole, else when committed or closed). A small file then costs a few asynchronous calls (create, open a writable, write, close)
 * instead of a sync access handle's five blocking round trips (open, size, write, flush, close),
 * which in a private window's OPFS took over 3 ms of a receiving worker per file, during which
 * it did nothing else (bench/browser/profile.ts, BENCH_PROFILE_FILES=2000).
 *
 * A file that grows past MEMORY_MAX_BYTES spills: it becomes the store's ordinary temporary file
 * (written in place, checkpointed), so a large file is no different from before. A crash loses
 * what is in memory, as it loses a sync temporary file's unwritten batch, which is as large.
 * `close` (keep for a resume) writes out what there is.
 */
import type { SharePath } from '../../protocol/directory/share-path'
import { asArrayBufferView, concatBytes } from '../../protocol/wire/bytes'
import { guarded, storeError } from './fsa-handles'
import { FsaTempFile } from './fsa-temp-file'
import { WRITE_BATCH_BYTES } from './sync-temp-file'

/** Content kept in memory up to this size: a sync temporary file's batch, so a crash loses no more. */
export const MEMORY_MAX_BYTES = WRITE_BATCH_BYTES
/**
 * Content up to this size (a small file, which arrives in one append) is written out at once in
 * the background: its four round trips then overlap the other files', instead of adding to the
 * latency of placing it, which runs a few files at a time (directory-share.ts). A commit uses that
 * file if the content did not change since, and writes it again if it did.
 */
export const EARLY_MAX_BYTES = 256 * 1024

export interface MemoryTempOptions {
  /** Creates the temporary file on disk (empty, or as left: the caller truncates), once the content outgrows memory. */
  readonly spill: () => Promise<FsaTempFile>
  /**
   * The folder it goes in, looked up afresh: the one given at the open was cached, and may have
   * been removed behind the store's back since (then made again, as a walk would have).
   */
  readonly refind: () => Promise<FileSystemDirectoryHandle>
  /** Told when the content went to disk as the temporary file (closed for a resume, or finished). */
  readonly written: () => void
}

export class MemoryTempFile extends FsaTempFile {
  private parts: Uint8Array[] = []
  /** The file on disk once spilled: every call goes to it then. */
  private disk: FsaTempFile | undefined
  /** Bumped at each change of the content, to tell whether the early write still holds it. */
  private version = 0
  /** The background write of the content at `version`; undefined once done if it failed (the commit writes again, and reports). */
  private early:
    { readonly version: number; readonly done: Promise<FileSystemFileHandle | undefined> } | undefined

  constructor(
    path: SharePath,
    sha256: string,
    dir: FileSystemDirectoryHandle,
    name: string,
    private readonly o: MemoryTempOptions,
  ) {
    super(path, sha256, dir, name, undefined, 0)
  }

  override get handle(): FileSystemFileHandle {
    return this.disk?.handle ?? super.handle
  }

  /** Whether the content is held in memory, not spilled to a file written in place (for tests). */
  get inMemory(): boolean {
    return this.disk === undefined
  }

  protected async appendNow(chunk: Uint8Array): Promise<void> {
    this.check()
    if (!this.disk && this.size + chunk.byteLength > MEMORY_MAX_BYTES) await this.spillNow()
    if (this.disk) {
      await this.disk.append(chunk)
      this.size = this.disk.size
      return
    }
    // A copy: the caller may reuse its buffer once the append resolved, as with a write to disk.
    this.parts.push(chunk.slice())
    this.size += chunk.byteLength
    this.version++
    if (!this.early && this.size <= EARLY_MAX_BYTES)
      this.early = { version: this.version, done: this.writeWhole().catch(() => undefined) }
  }

  /** The content on disk as it is now: the early write's file if it still holds it, else written again. */
  private async writtenNow(): Promise<FileSystemFileHandle> {
    const early = this.early
    const handle = await early?.done
    if (handle && early?.version === this.version) return handle
    return this.writeWhole()
  }

  private async spillNow(): Promise<void> {
    // The early write's writable must be closed before the file can be opened in place.
    await this.early?.done
    const disk = await this.o.spill()
    // Believed absent when this was opened; should one have appeared since, it starts over.
    if (disk.size > 0) await disk.truncate(0)
    for (const part of this.parts) await disk.append(part)
    this.parts = []
    this.disk = disk
  }

  private gathered(): Uint8Array<ArrayBuffer> {
    const only = this.parts.length === 1 ? this.parts[0] : undefined
    const whole = only ? asArrayBufferView(only) : concatBytes(this.parts)
    this.parts = [whole]
    return whole
  }

  async *read(): AsyncIterable<Uint8Array> {
    this.check()
    if (this.disk) {
      yield* this.disk.read()
      return
    }
    if (this.size > 0) yield this.gathered().slice()
  }

  async truncate(length: number): Promise<void> {
    this.check()
    if (this.disk) {
      await this.disk.truncate(length)
      this.size = this.disk.size
      return
    }
    if (length >= this.size) return
    this.parts = [this.gathered().slice(0, length)]
    this.size = length
    this.version++
  }

  async close(): Promise<void> {
    if (!this.open) return
    this.open = false
    if (this.disk) return this.disk.close()
    // Kept for a resume: what arrived so far goes to disk (nothing, if nothing did and nothing was written early).
    if (this.size > 0 || this.early) this.fileHandle = await this.writtenNow()
    this.parts = []
  }

  override async finish(): Promise<FileSystemFileHandle> {
    this.check()
    if (this.disk) {
      this.open = false
      return this.disk.finish()
    }
    this.fileHandle = await this.writtenNow()
    this.open = false
    // The content stays until the commit is done with this: see `writeAgain`.
    return this.fileHandle
  }

  /** The early write's file may have gone with its folder, removed behind the store's back before the commit. */
  override async writeAgain(): Promise<FileSystemFileHandle | undefined> {
    if (this.disk) return undefined
    this.fileHandle = await this.writeWhole()
    return this.fileHandle
  }

  async discard(): Promise<void> {
    this.open = false
    this.parts = []
    if (this.disk) return this.disk.discard()
    const early = await this.early?.done
    if (this.fileHandle || early) await this.remove()
  }

  /**
   * The content as a new file, through a writable: it starts empty (whatever an unexpected file of
   * that name held is dropped) and its swap file becomes the file on `close()`, which is when the
   * browser has it all. Asynchronous, so the worker goes on reading the link meanwhile. (Through
   * a sync access handle instead, with a flush, the receiving worker spent 5 s blocked in write
   * and truncate per 2,000 small files against 1.4 s in the writable's write, and the sync took
   * longer: profile.ts, BENCH_PROFILE_FROM=join.)
   */
  private async writeWhole(): Promise<FileSystemFileHandle> {
    const what = `writing ${this.path}`
    const bytes = this.gathered()
    let handle: FileSystemFileHandle
    try {
      handle = await this.folder.getFileHandle(this.name, { create: true })
    } catch (err) {
      if (!(err instanceof DOMException && err.name === 'NotFoundError')) throw storeError(err, what)
      this.folder = await this.o.refind()
      handle = await guarded(what, () => this.folder.getFileHandle(this.name, { create: true }))
    }
    const writable = await guarded(what, () => handle.createWritable())
    try {
      await guarded(what, () => writable.write(bytes))
    } catch (err) {
      await writable.abort().catch(() => undefined)
      throw err
    }
    await guarded(what, () => writable.close())
    this.o.written()
    return handle
  }
}
