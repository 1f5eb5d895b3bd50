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
/** Each buffer; two per file, one filling while the other is written. */
export const DIRECT_BUFFER_BYTES = 1024 * 1024
/** How many files can write directly at once (their buffers are carved from one memory). */
const FILES_AT_ONCE = 4
const WASM_PAGE_BYTES = 65536

// Node's own global; the Node typings used here declare only WebAssembly's types, not the value.
declare const WebAssembly: {
  Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer }
}

interface BufferPair {
  readonly buffers: readonly [Uint8Array, Uint8Array]
}

/** Lazily made: most processes never receive a large file. */
let free: BufferPair[] | undefined

function takeBuffers(): BufferPair | undefined {
  if (!free) {
    const pairBytes = 2 * DIRECT_BUFFER_BYTES
    const memory = new WebAssembly.Memory({ initial: (FILES_AT_ONCE * pairBytes) / WASM_PAGE_BYTES })
    free = Array.from({ length: FILES_AT_ONCE }, (_, i) => ({
      buffers: [
        new Uint8Array(memory.buffer, i * pairBytes, DIRECT_BUFFER_BYTES),
        new Uint8Array(memory.buffer, i * pairBytes + DIRECT_BUFFER_BYTES, DIRECT_BUFFER_BYTES),
      ] as const,
    }))
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
  /** The other buffer's write, awaited before that buffer is filled again. */
  private writing: Promise<void> = Promise.resolve()
  private refused = false

  private constructor(
    private readonly fd: number,
    private directFd: number | undefined,
    private pair: BufferPair | undefined,
    end: number,
  ) {
    this.bufferAt = end - (end % ALIGN_BYTES)
    this.filled = end - this.bufferAt
    // The partial block at the end goes first, so the buffer is written from a block boundary.
    if (this.filled > 0) readSync(fd, this.buffer(), 0, this.filled, this.bufferAt)
  }

  /** A writer appending at `end` of the file open as `fd`, or undefined where none can be had. */
  static open(fd: number, end: number): DirectWriter | undefined {
    const pair = takeBuffers()
    if (!pair) return undefined
    const directFd = openDirect(fd)
    if (directFd === undefined) {
      free?.push(pair)
      return undefined
    }
    return new DirectWriter(fd, directFd, pair, end)
  }

  /** Appends `chunk`; resolves once it is copied (and the buffer before it is on its way). */
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
   * can go on.
   */
  async drain(): Promise<void> {
    await this.written()
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
    await this.writing.catch(() => undefined)
    this.release()
  }

  /** Waits for the write under way; its failure is thrown here once, not again by later calls. */
  private async written(): Promise<void> {
    const writing = this.writing
    this.writing = Promise.resolve()
    await writing
  }

  private buffer(): Uint8Array {
    if (!this.pair) throw new Error('the direct writer is closed')
    return this.pair.buffers[this.current] as Uint8Array
  }

  private async sendFull(): Promise<void> {
    const full = this.buffer()
    const at = this.bufferAt
    await this.written()
    const sending = this.writeOut(full, DIRECT_BUFFER_BYTES, at)
    this.writing = sending
    sending.catch(() => undefined) // reported by the next append, drain or close, which await it
    this.current ^= 1
    this.bufferAt += DIRECT_BUFFER_BYTES
    this.filled = 0
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
    if (this.pair) free?.push(this.pair)
    this.pair = undefined
  }
}
