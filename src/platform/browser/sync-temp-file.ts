/**
 * A temporary file written in place through `FileSystemSyncAccessHandle`: OPFS only, and only in
 * a dedicated worker, which is where the engine runs. Unlike a writable there is no swap file:
 * each append lands in the file itself, nothing is copied when a transfer resumes, and a crash
 * keeps everything written (flushed to disk at each MIN_CHECKPOINT_BYTES). The handle holds an
 * exclusive lock on the file until closed, which is fine for a file only this store knows.
 * Its calls are synchronous and block the worker for as long as the disk takes, by design.
 *
 * Appends are gathered into writes of WRITE_BATCH_BYTES: the fetcher appends what each TLS record
 * carries (at most 16 KiB), and every write has a fixed cost that dwarfs that; in a private
 * window's OPFS (kept in memory, each write a round trip to the browser process) 16 KiB writes ran
 * at about 8 MB/s in Chromium here, 1 MiB writes at 140-220 MB/s and 7.6-5.4 ms of CPU a MB,
 * 4 MiB writes at 250 MB/s and 5.0 ms a MB (bench/browser/profile.ts found the receiving worker
 * blocked in `write` 84% of a sync with 16 KiB, 40% with 1 MiB). `size` counts the bytes gathered
 * too; `read` and `close` write them out first, and a crash loses at most one batch more than
 * before. The batch buffer starts small and grows as a file does, so that the many small files of
 * a share cost no large allocation each.
 */
import type { SharePath } from '../../protocol/directory/share-path'
import { asArrayBufferView } from '../../protocol/wire/bytes'
import { storeError } from './fsa-handles'
import { FsaTempFile, MIN_CHECKPOINT_BYTES } from './fsa-temp-file'
import { readSyncAccess, type SyncAccessHandle } from './sync-access'

/** Appends are written out in batches of this many bytes (a larger append goes out as it is). */
export const WRITE_BATCH_BYTES = 4 * 1024 * 1024
/** The batch buffer's first size; it doubles up to WRITE_BATCH_BYTES as the file grows. */
const FIRST_BATCH_BYTES = 64 * 1024

export class SyncTempFile extends FsaTempFile {
  private unflushed = 0
  /** Appended bytes not yet written: the first `batched` bytes of `batch`, which end at `size`. */
  private batch: Uint8Array<ArrayBuffer> | undefined
  private batched = 0

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
    if (this.batched === 0 && bytes.byteLength >= WRITE_BATCH_BYTES) {
      this.writeOut(bytes)
      return
    }
    for (let at = 0; at < bytes.byteLength; ) {
      const batch = this.roomFor(bytes.byteLength - at)
      const take = Math.min(batch.byteLength - this.batched, bytes.byteLength - at)
      batch.set(bytes.subarray(at, at + take), this.batched)
      this.batched += take
      this.size += take
      at += take
      if (this.batched === WRITE_BATCH_BYTES) this.writeBatch()
    }
  }

  /** The batch buffer, grown (while below WRITE_BATCH_BYTES) towards room for `wanted` more bytes. */
  private roomFor(wanted: number): Uint8Array<ArrayBuffer> {
    const current = this.batch
    if (current && (current.byteLength - this.batched >= wanted || current.byteLength === WRITE_BATCH_BYTES)) return current
    let size = current?.byteLength ?? FIRST_BATCH_BYTES
    while (size < WRITE_BATCH_BYTES && size - this.batched < wanted) size *= 2
    const grown = new Uint8Array(Math.min(size, WRITE_BATCH_BYTES))
    if (current) grown.set(current.subarray(0, this.batched))
    this.batch = grown
    return grown
  }

  /** Writes what is gathered, so that the file holds all `size` bytes. */
  private writeBatch(): void {
    if (this.batched === 0 || !this.batch) return
    const bytes = this.batch.subarray(0, this.batched)
    this.size -= this.batched
    this.batched = 0
    this.writeOut(bytes)
  }

  /** Writes `bytes` at the end of the file (nothing may be gathered). */
  private writeOut(bytes: Uint8Array<ArrayBuffer>): void {
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
    // A fresh temporary file (most of them, with small files) is read before its first append:
    // no handle call at all then (each costs about a millisecond in a private window's OPFS).
    if (this.size === 0) return
    this.writeBatch()
    yield* readSyncAccess(this.access, 0, this.size)
  }

  async truncate(length: number): Promise<void> {
    this.check()
    if (length >= this.size) return
    const written = this.size - this.batched
    if (length >= written) {
      this.batched = length - written
      this.size = length
      return
    }
    this.size = written
    this.batched = 0
    this.call('truncating', () => this.access.truncate(length))
    this.size = length
  }

  async close(): Promise<void> {
    if (!this.open) return
    this.open = false
    try {
      this.writeBatch()
      this.flush()
    } finally {
      this.batch = undefined
      this.access.close()
    }
  }

  async discard(): Promise<void> {
    this.batched = 0
    this.batch = undefined
    if (this.open) {
      this.open = false
      this.access.close()
    }
    await this.remove()
  }
}
