/**
 * Temporary files (`.<name>.<8hex>.!clearsky`) of the File System Access store, in two kinds:
 * `SyncTempFile` (sync-temp-file.ts) where the browser offers `createSyncAccessHandle()` (OPFS, in
 * a worker: where the engine runs), writing in place; this file's `WritableTempFile` everywhere
 * else (a picked folder, or the page's thread).
 *
 * `WritableTempFile` writes through `createWritable({keepExistingData: true})`, seeking to the end
 * to append or resume. A writable writes to a swap file that replaces the file only on `close()`;
 * what a crash (a closed tab) leaves is the file as of the last close. So the writable is closed at
 * checkpoints, each after as many new bytes as the file already had (and at least
 * MIN_CHECKPOINT_BYTES): reopening copies the existing bytes into a new swap file, and doubling the
 * interval keeps that copying to about the file's size in total, while a crash loses at most half
 * of what was received.
 */
import { FileStoreError, type TempFile } from '../../protocol/directory/file-store'
import type { SharePath } from '../../protocol/directory/share-path'
import { asArrayBufferView } from '../../protocol/wire/bytes'
import { readBlob } from './blob-reader'
import { guarded } from './fsa-handles'

export const MIN_CHECKPOINT_BYTES = 16 * 1024 * 1024

/** What every kind shares, and what `commit` needs of each: the handle to move, once finished. */
export abstract class FsaTempFile implements TempFile {
  protected open = true
  private appending: Promise<void> = Promise.resolve()

  constructor(
    readonly path: SharePath,
    readonly sha256: string,
    /** The folder it is in (a `MemoryTempFile` may find it again: `folder`), and its name there. */
    protected folder: FileSystemDirectoryHandle,
    readonly name: string,
    /** The file on disk; none yet for a `MemoryTempFile` not written out. */
    protected fileHandle: FileSystemFileHandle | undefined,
    public size: number,
  ) {}

  get dir(): FileSystemDirectoryHandle {
    return this.folder
  }

  get handle(): FileSystemFileHandle {
    if (!this.fileHandle)
      throw new FileStoreError('ERR_TEMP_CLOSED', `temporary file for ${this.path} is not on disk`)
    return this.fileHandle
  }

  protected check(): void {
    if (!this.open) throw new FileStoreError('ERR_TEMP_CLOSED', `temporary file for ${this.path} is closed`)
  }

  /** Appends in call order even if the caller does not wait between calls (as the Node store does). */
  append(chunk: Uint8Array): Promise<void> {
    this.check()
    const done = this.appending.then(() => this.appendNow(chunk))
    this.appending = done.catch(() => undefined)
    return done
  }

  protected abstract appendNow(chunk: Uint8Array): Promise<void>
  abstract read(): AsyncIterable<Uint8Array>
  abstract truncate(length: number): Promise<void>
  abstract close(): Promise<void>
  abstract discard(): Promise<void>

  /** Saves the last bytes and releases the file: ready to replace its target, which is the handle returned. */
  async finish(): Promise<FileSystemFileHandle> {
    this.check()
    await this.close()
    return this.handle
  }

  /**
   * The finished content written out again, for a commit that found the file `finish` gave gone
   * (its folder removed behind the store's back); undefined where only the file held the content.
   */
  async writeAgain(): Promise<FileSystemFileHandle | undefined> {
    return undefined
  }

  /** Removes the file itself, once released. */
  protected async remove(): Promise<void> {
    await this.dir.removeEntry(this.name).catch((err: unknown) => {
      if (!(err instanceof DOMException && err.name === 'NotFoundError')) throw err
    })
  }
}

export class WritableTempFile extends FsaTempFile {
  private writable: FileSystemWritableFileStream | null = null
  private sinceCheckpoint = 0

  private async writer(): Promise<FileSystemWritableFileStream> {
    if (this.writable) return this.writable
    const writable = await guarded(this.path, () => this.handle.createWritable({ keepExistingData: true }))
    await writable.seek(this.size)
    this.writable = writable
    return writable
  }

  protected async appendNow(chunk: Uint8Array): Promise<void> {
    this.check()
    const writable = await this.writer()
    await this.saving(`writing ${this.path}`, () => writable.write(asArrayBufferView(chunk)))
    this.size += chunk.byteLength
    this.sinceCheckpoint += chunk.byteLength
    if (this.sinceCheckpoint >= Math.max(MIN_CHECKPOINT_BYTES, this.size - this.sinceCheckpoint))
      await this.checkpoint()
  }

  /** Closes the writable: its swap file replaces the temporary file, so the bytes survive a crash. */
  private async checkpoint(): Promise<void> {
    const writable = this.writable
    if (!writable) return
    await this.saving(`saving ${this.path}`, () => writable.close())
    this.writable = null
    this.sinceCheckpoint = 0
  }

  /**
   * A failed write or close (a full quota) errors the writable and its swap file is lost: the file
   * is as of the last checkpoint, and `size` says so, so that a later append resumes correctly.
   */
  private async saving(what: string, step: () => Promise<void>): Promise<void> {
    try {
      await guarded(what, step)
    } catch (err) {
      const writable = this.writable
      this.writable = null
      this.size -= this.sinceCheckpoint
      this.sinceCheckpoint = 0
      await writable?.abort().catch(() => undefined)
      throw err
    }
  }

  async *read(): AsyncIterable<Uint8Array> {
    this.check()
    await this.checkpoint()
    yield* readBlob(await this.handle.getFile(), 0, this.size)
  }

  async truncate(length: number): Promise<void> {
    this.check()
    if (length >= this.size) return
    const writable = await this.writer()
    await writable.truncate(length) // the cursor follows: "If the cursor is past the new size, it moves to it"
    this.size = length
    await this.checkpoint()
  }

  async close(): Promise<void> {
    if (!this.open) return
    this.open = false
    await this.checkpoint()
  }

  async discard(): Promise<void> {
    this.open = false
    const writable = this.writable
    this.writable = null
    await writable?.abort()
    await this.remove()
  }
}
