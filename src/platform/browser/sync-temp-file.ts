/**
 * A temporary file written in place through `FileSystemSyncAccessHandle`: OPFS only, and only in
 * a dedicated worker, which is where the engine runs. Unlike a writable there is no swap file:
 * each append lands in the file itself, nothing is copied when a transfer resumes, and a crash
 * keeps everything written (flushed to disk at each MIN_CHECKPOINT_BYTES). The handle holds an
 * exclusive lock on the file until closed, which is fine for a file only this store knows.
 * Its calls are synchronous and block the worker for as long as the disk takes, by design.
 */
import type { SharePath } from '../../protocol/directory/share-path'
import { asArrayBufferView } from '../../protocol/wire/bytes'
import { storeError } from './fsa-handles'
import { FsaTempFile, MIN_CHECKPOINT_BYTES } from './fsa-temp-file'
import { readSyncAccess, type SyncAccessHandle } from './sync-access'

export class SyncTempFile extends FsaTempFile {
  private unflushed = 0

  constructor(
    path: SharePath,
    sha256: string,
    dir: FileSystemDirectoryHandle,
    name: string,
    handle: FileSystemFileHandle,
    private readonly access: SyncAccessHandle,
  ) {
    super(path, sha256, dir, name, handle, access.getSize())
  }

  /** Runs a synchronous call of the handle, with the store's typed errors. */
  private call<T>(what: string, step: () => T): T {
    try {
      return step()
    } catch (err) {
      throw storeError(err, `${what} ${this.path}`)
    }
  }

  protected async appendNow(chunk: Uint8Array): Promise<void> {
    this.check()
    const bytes = asArrayBufferView(chunk)
    try {
      for (let written = 0; written < bytes.byteLength; ) {
        written += this.call('writing', () => this.access.write(bytes.subarray(written), { at: this.size + written }))
      }
    } catch (err) {
      // A full quota may leave part of the chunk: cut it, so the file stays what `size` says.
      // Should that fail too, the first error is the one worth reporting.
      this.tryTruncate(this.size)
      throw err
    }
    this.size += bytes.byteLength
    this.unflushed += bytes.byteLength
    if (this.unflushed >= MIN_CHECKPOINT_BYTES) this.flush()
  }

  private tryTruncate(length: number): void {
    try {
      this.access.truncate(length)
    } catch {
      // reported by the caller's own error
    }
  }

  private flush(): void {
    this.call('saving', () => this.access.flush())
    this.unflushed = 0
  }

  async *read(): AsyncIterable<Uint8Array> {
    this.check()
    yield* readSyncAccess(this.access, 0, this.size)
  }

  async truncate(length: number): Promise<void> {
    this.check()
    if (length >= this.size) return
    this.call('truncating', () => this.access.truncate(length))
    this.size = length
  }

  async close(): Promise<void> {
    if (!this.open) return
    this.open = false
    try {
      this.flush()
    } finally {
      this.access.close()
    }
  }

  async discard(): Promise<void> {
    if (this.open) {
      this.open = false
      this.access.close()
    }
    await this.remove()
  }
}
