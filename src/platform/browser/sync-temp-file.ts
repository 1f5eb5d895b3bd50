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
 * A file written in whole batches is grown ahead of its writes, PREALLOCATE_BYTES at a time, and
 * cut to its size when closed: in a private window's OPFS a write that makes the file longer costs
 * the browser process more than one within it (4 MiB writes, 256 MiB, six interleaved pairs:
 * 5.5-6.5 ms of CPU a MB, the browser's 3.9-4.7, against 3.7-4.8 and 2.3-3.1). A grown file ends
 * in a mark (MARK_BYTES: MARK_MAGIC, then how many bytes before it hold what was received), written
 * as it grows, before the write that needs the room, and after each write: a file reopened after a
 * crash is cut to that length. (Cutting after the last byte that is not zero instead lost received
 * zeros, and cut again at each opening: the fetcher's second opening fell short of its first.)
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
/** A file written in whole batches is grown this far past its end at a time. */
export const PREALLOCATE_BYTES = 16 * 1024 * 1024
/** A grown file's last bytes: MARK_MAGIC, then the length received (big-endian, 64 bits). */
const MARK_BYTES = 16
const MARK_MAGIC = new TextEncoder().encode('CS-GROWN')

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
    const received = markedLength(access, onDisk)
    if (received !== undefined) access.truncate(received)
    super(path, sha256, dir, name, handle, received ?? onDisk)
    this.allocated = this.size
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
      this.makeRoom(bytes.byteLength)
      this.writeOut(bytes)
      return
    }
    for (let at = 0; at < bytes.byteLength;) {
      const batch = this.roomFor(bytes.byteLength - at)
      const take = Math.min(batch.byteLength - this.batched, bytes.byteLength - at)
      batch.set(bytes.subarray(at, at + take), this.batched)
      this.batched += take
      this.size += take
      at += take
      if (this.batched === WRITE_BATCH_BYTES) this.writeBatch()
    }
  }

  /**
   * Before a write of `length` bytes after what is written: a file written in whole batches (or
   * grown already) is grown to PREALLOCATE_BYTES past the write's end, if the write would not fit
   * before the mark, by writing the mark there. Where the quota does not allow it, the file stays
   * as it is and the write reports the quota.
   */
  private makeRoom(length: number): void {
    const written = this.size - this.batched
    if (this.allocated === written && length < WRITE_BATCH_BYTES) return // a small file, written once
    const end = written + length
    if (end <= this.allocated - MARK_BYTES) return
    try {
      this.writeMark(end + PREALLOCATE_BYTES)
      this.allocated = end + PREALLOCATE_BYTES
    } catch {
      this.tryTruncate(this.allocated) // the write reports the quota, needing less
    }
  }

  /** Writes the mark at the end of a file `length` long: how many bytes are written (before any batch). */
  private writeMark(length: number): void {
    const mark = new Uint8Array(MARK_BYTES)
    mark.set(MARK_MAGIC)
    new DataView(mark.buffer).setBigUint64(MARK_MAGIC.length, BigInt(this.size - this.batched))
    this.access.write(mark, { at: length - MARK_BYTES })
  }

  /** The batch buffer, grown (while below WRITE_BATCH_BYTES) towards room for `wanted` more bytes. */
  private roomFor(wanted: number): Uint8Array<ArrayBuffer> {
    const current = this.batch
    if (current && (current.byteLength - this.batched >= wanted || current.byteLength === WRITE_BATCH_BYTES))
      return current
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
    this.makeRoom(this.batched)
    this.size -= this.batched
    this.batched = 0
    this.writeOut(bytes)
  }

  /** Writes `bytes` at the end of the file (nothing may be gathered). */
  private writeOut(bytes: Uint8Array<ArrayBuffer>): void {
    try {
      for (let written = 0; written < bytes.byteLength;) {
        written += this.call('writing', () =>
          this.access.write(bytes.subarray(written), { at: this.size + written }),
        )
      }
    } catch (err) {
      // A full quota may leave part of the chunk: cut it, so the file stays what `size` says.
      // Should that fail too, the first error is the one worth reporting.
      if (this.tryTruncate(this.size)) this.allocated = this.size
      throw err
    }
    this.size += bytes.byteLength
    this.allocated = Math.max(this.allocated, this.size)
    if (this.allocated > this.size) this.call('writing', () => this.writeMark(this.allocated))
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
      this.allocated = this.size
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

/** The length received that a grown file's mark gives, or undefined if the file does not end in one. */
function markedLength(access: SyncAccessHandle, length: number): number | undefined {
  if (length < MARK_BYTES) return undefined
  const mark = new Uint8Array(MARK_BYTES)
  if (access.read(mark, { at: length - MARK_BYTES }) < MARK_BYTES) return undefined
  if (MARK_MAGIC.some((byte, i) => mark[i] !== byte)) return undefined
  const received = new DataView(mark.buffer).getBigUint64(MARK_MAGIC.length)
  return received <= BigInt(length - MARK_BYTES) ? Number(received) : undefined
}
