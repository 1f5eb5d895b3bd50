/**
 * Appends to a large temporary file with O_DIRECT (Linux): the bytes go from an aligned buffer of
 * ours to the disk instead of being copied into the page cache. Receiving a 1 GiB file, the copy
 * into page-cache pages (which the kernel must first find and clear) cost the joiner's thread pool
 * 2.6 s of CPU in bench/sync (perf), and the fsync before the rename then wrote all of it out:
 * `dd bs=1M count=1024` took 0.5-1.8 s of kernel time with `conv=fsync`, 0.1 s with
 * `oflag=direct`. It also leaves the page cache to what the person is using.
 *
 * O_DIRECT wants the buffer's address, the file offset and the length each a multiple of the
 * device's block size (ALIGN_BYTES covers 512- and 4096-byte blocks). Node has no aligned
 * allocation, but a WebAssembly.Memory's buffer starts on a page boundary (V8 maps it whole), so
 * the bytes are gathered in buffers carved from one. A file whose end is not on a block boundary
 * starts its first buffer with the bytes of its last partial block, read back, so that buffer is
 * written from the boundary; a tail shorter than a block goes through the file's ordinary
 * descriptor. Where O_DIRECT cannot be had (another system, tmpfs, /proc not mounted, or every
 * buffer in use) the caller writes as before; a direct write refused as misaligned is made
 * through the ordinary descriptor and the writer stops writing directly.
 */
import { closeSync, constants, openSync, readSync } from 'node:fs'
import { errno, writeAll } from './fd'

export const ALIGN_BYTES = 4096
/** Each buffer; BUFFERS_PER_FILE per file. */
export const DIRECT_BUFFER_BYTES = 1024 * 1024
/**
 * One buffer filling while the others wait for their turn to be written. With two, receiving 1 GiB
 * in bench/sync, the joiner's thread waited 1.45 s in all for the other buffer's write: a 1 MiB
 * direct write takes 0.5 ms on an idle machine, but on busy cores the thread pool's thread and
 * the write's completion each wait for a core, and a disk may pause far longer. With four it waited
 * 0.7-1.1 s (there both cores are busy either way, so the sync took no less time).
 */
export const BUFFERS_PER_FILE = 4
/** How many files can write directly at once (their buffers are carved from one memory). */
const FILES_AT_ONCE = 4
const WASM_PAGE_BYTES = 65536

// Node's own global; the Node typings used here declare only WebAssembly's types, not the value.
declare const WebAssembly: {
  Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer }
}

type BufferSet = readonly Uint8Array[]

/** Lazily made: most processes never receive a large file. */
let free: BufferSet[] | undefined

function takeBuffers(): BufferSet | undefined {
  if (!free) {
    const setBytes = BUFFERS_PER_FILE * DIRECT_BUFFER_BYTES
    const memory = new WebAssembly.Memory({ initial: (FILES_AT_ONCE * setBytes) / WASM_PAGE_BYTES })
    free = Array.from({ length: FILES_AT_ONCE }, (_, file) =>
      Array.from(
        { length: BUFFERS_PER_FILE },
        (_, i) =>
          new Uint8Array(memory.buffer, file * setBytes + i * DIRECT_BUFFER_BYTES, DIRECT_BUFFER_BYTES),
      ),
    )
  }
  return free.pop()
}

function openDirect(fd: number): number | undefined {
  // O_DIRECT is 0 or missing where the platform has none; reopening through /proc gives the same
  // file with other flags, without looking its path up again.
  if (!constants.O_DIRECT) return undefined
  try {
    return openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY | constants.O_DIRECT)
  } catch {
    return undefined
  }
}

export class DirectWriter {
  /** The buffer filling: its first byte belongs at `bufferAt` in the file, `filled` bytes so far. */
  private current = 0
  private bufferAt: number
  private filled: number
  /**
   * Full buffers are written one after another, in the file's order, so the file is always a
   * prefix of what was appended (a restart resumes after it, and a failed write leaves no hole).
   * `queue` settles when the last one queued is written; `pending[i]` when buffer i may be filled.
   */
  private queue: Promise<void> = Promise.resolve()
  private readonly pending: Array<Promise<void> | undefined> = []
  private refused = false

  private constructor(
    private readonly fd: number,
    private directFd: number | undefined,
    private buffers: BufferSet | undefined,
    end: number,
  ) {
    this.bufferAt = end - (end % ALIGN_BYTES)
    this.filled = end - this.bufferAt
    // The partial block at the end goes first, so the buffer is written from a block boundary.
    if (this.filled > 0) readSync(fd, this.buffer(), 0, this.filled, this.bufferAt)
  }

  /** A writer appending at `end` of the file open as `fd`, or undefined where none can be had. */
  static open(fd: number, end: number): DirectWriter | undefined {
    const buffers = takeBuffers()
    if (!buffers) return undefined
    const directFd = openDirect(fd)
    if (directFd === undefined) {
      free?.push(buffers)
      return undefined
    }
    return new DirectWriter(fd, directFd, buffers, end)
  }

  /** Appends `chunk`; resolves once it is copied (and the buffers before it are on their way). */
  async append(chunk: Uint8Array): Promise<void> {
    for (let at = 0; at < chunk.byteLength;) {
      const take = Math.min(DIRECT_BUFFER_BYTES - this.filled, chunk.byteLength - at)
      this.buffer().set(chunk.subarray(at, at + take), this.filled)
      this.filled += take
      at += take
      if (this.filled === DIRECT_BUFFER_BYTES) await this.sendFull()
    }
  }

  /**
   * Writes out what is gathered and waits for it: whole blocks directly, the partial last block
   * through the ordinary descriptor. That block stays at the start of the buffer, so appending
   * can go on. After a failure it cannot: what it held is lost with the write, so the caller lets
   * go of the writer (abandon) and appends from where the file really ends.
   */
  async drain(): Promise<void> {
    await this.allWritten()
    const whole = this.filled - (this.filled % ALIGN_BYTES)
    const buffer = this.buffer()
    if (whole > 0) await this.writeOut(buffer, whole, this.bufferAt)
    if (this.filled > whole)
      await writeAll(this.fd, buffer.subarray(whole, this.filled), this.bufferAt + whole)
    buffer.copyWithin(0, whole, this.filled)
    this.bufferAt += whole
    this.filled -= whole
  }

  /** Drains, then lets go of the direct descriptor and the buffers. */
  async close(): Promise<void> {
    try {
      await this.drain()
    } finally {
      this.release()
    }
  }

  /** Lets go without writing what is gathered (the file is being discarded or cut). */
  async abandon(): Promise<void> {
    await this.queue.catch(() => undefined)
    this.release()
  }

  /**
   * Waits for every queued write. A failure is thrown here once, not again by later calls: the
   * writes queued after a failed one fail with it, as nothing may be written after a gap.
   */
  private async allWritten(): Promise<void> {
    const queue = this.queue
    this.queue = Promise.resolve()
    this.pending.fill(undefined)
    await queue
  }

  private buffer(): Uint8Array {
    if (!this.buffers) throw new Error('the direct writer is closed')
    return this.buffers[this.current] as Uint8Array
  }

  private async sendFull(): Promise<void> {
    const full = this.buffer()
    const at = this.bufferAt
    const queue = this.queue.then(() => this.writeOut(full, DIRECT_BUFFER_BYTES, at))
    queue.catch(() => undefined) // reported by the append, drain or close that awaits it
    this.queue = queue
    this.pending[this.current] = queue
    this.current = (this.current + 1) % BUFFERS_PER_FILE
    this.bufferAt += DIRECT_BUFFER_BYTES
    this.filled = 0
    // The next buffer may still be waiting for its write, queued BUFFERS_PER_FILE buffers ago.
    const next = this.pending[this.current]
    this.pending[this.current] = undefined
    try {
      await next
    } catch {
      // Thrown by the queue, which fails from there on, and then reset: reported once.
      await this.allWritten()
    }
  }

  private async writeOut(buffer: Uint8Array, length: number, at: number): Promise<void> {
    const bytes = buffer.subarray(0, length)
    if (this.directFd !== undefined && !this.refused) {
      try {
        return await writeAll(this.directFd, bytes, at)
      } catch (err) {
        if (errno(err) !== 'EINVAL') throw err
        this.refused = true
      }
    }
    await writeAll(this.fd, bytes, at)
  }

  private release(): void {
    if (this.directFd !== undefined) closeSync(this.directFd)
    this.directFd = undefined
    if (this.buffers) free?.push(this.buffers)
    this.buffers = undefined
  }
}
