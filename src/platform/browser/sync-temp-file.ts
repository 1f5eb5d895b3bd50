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
 *
 * A large file is grown ahead of its writes, PREALLOCATE_BYTES at a time (`truncate` to a larger
 * size), and cut to its size when closed: in a private window's OPFS a write that makes the file
 * longer costs the browser process more than one within it (bench/browser parts, temp-file
 * appends: 7.2-7.3 ms of CPU a MB, the browser's 4.5-4.8, against 5.3-5.8 and 2.9-3.2). What a
 * crash leaves past the last write is zeros, at most PREALLOCATE_BYTES of them at the end of the
 * file: a file reopened is cut after its last byte that is not zero within those
 * (`writtenLength`). That may cut zeros that were received too; they are only asked for again.
 */
import type { SharePath } from '../../protocol/directory/share-path'
import { asArrayBufferView } from '../../protocol/wire/bytes'
import { storeError } from './fsa-handles'
import { FsaTempFile, MIN_CHECKPOINT_BYTES } from './fsa-temp-file'
import { MAX_READ_CHUNK_BYTES } from '../../protocol/directory/file-store'
import { readSyncAccess, type SyncAccessHandle } from './sync-access'

/** Appends are written out in batches of this many bytes (a larger append goes out as it is). */
export const WRITE_BATCH_BYTES = 4 * 1024 * 1024
/** The batch buffer's first size; it doubles up to WRITE_BATCH_BYTES as the file grows. */
const FIRST_BATCH_BYTES = 64 * 1024
/** A file written in whole batches is grown this far past its end at a time. */
export const PREALLOCATE_BYTES = 16 * 1024 * 1024

export class SyncTempFile extends FsaTempFile {
  private unflushed = 0
  /** Appended bytes not yet written: the first `batched` bytes of `batch`, which end at `size`. */
  private batch: Uint8Array<ArrayBuffer> | undefined
  private batched = 0
  /** The file's length on disk: `size`, or more while it is grown ahead of the writes. */
  private allocated: number

  constructor(
    path: SharePath,
    sha256: string,
    dir: FileSystemDirectoryHandle,
    name: string,
    handle: FileSystemFileHandle,
    private readonly access: SyncAccessHandle,
  ) {
    const onDisk = access.getSize()
    const length = writtenLength(access, onDisk)
    if (length < onDisk) access.truncate(length)
    super(path, sha256, dir, name, handle, length)
    this.allocated = length
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
      this.growFor(bytes.byteLength)
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
      if (this.batched === WRITE_BATCH_BYTES) {
        this.growFor(WRITE_BATCH_BYTES)
        this.writeBatch()
      }
    }
  }

  /**
   * Grows the file PREALLOCATE_BYTES past the end of a write of `length` bytes that would make it
   * longer, so that the writes after it land within it. Where the quota does not allow it, the
   * file stays as it is and the write reports the quota.
   */
  private growFor(length: number): void {
    const end = this.size - this.batched + length
    if (end <= this.allocated) return
    try {
      this.access.truncate(end + PREALLOCATE_BYTES)
      this.allocated = end + PREALLOCATE_BYTES
    } catch {
      // reported by the write, which needs less
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
      if (this.tryTruncate(this.size)) this.allocated = this.size
      throw err
    }
    this.size += bytes.byteLength
    this.allocated = Math.max(this.allocated, this.size)
    this.unflushed += bytes.byteLength
    if (this.unflushed >= MIN_CHECKPOINT_BYTES) this.flush()
  }

  private tryTruncate(length: number): boolean {
    try {
      this.access.truncate(length)
      return true
    } catch {
      return false // reported by the caller's own error
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
    this.allocated = length
  }

  async close(): Promise<void> {
    if (!this.open) return
    this.open = false
    try {
      this.writeBatch()
      if (this.allocated > this.size) this.call('truncating', () => this.access.truncate(this.size))
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

/**
 * The length of a temporary file's received bytes: its length, less the zeros at its end within
 * the last PREALLOCATE_BYTES, where a file grown ahead of its writes may hold nothing received.
 */
function writtenLength(access: SyncAccessHandle, length: number): number {
  const from = Math.max(0, length - PREALLOCATE_BYTES)
  const chunk = new Uint8Array(Math.min(MAX_READ_CHUNK_BYTES, length - from))
  for (let end = length; end > from; ) {
    const start = Math.max(from, end - chunk.byteLength)
    const part = chunk.subarray(0, access.read(chunk.subarray(0, end - start), { at: start }))
    for (let i = part.byteLength - 1; i >= 0; i--) if (part[i] !== 0) return start + i + 1
    end = start
  }
  return from
}
