/**
 * Gathers small writes into larger ones. The wire writer makes one write per message header and
 * per payload chunk header, and every write below us that TLS seals on its own costs one AES and
 * one HMAC call off-thread (and one HMAC check at the other end per record), each far more in
 * waiting and hand-over than in computing. A sync of 5,000 small files measured four seals per
 * file when each write went down at once.
 *
 * So small writes are appended to a buffer that goes down at the end of the current turn of the
 * event loop (`defer`): everything the engine writes while handling what arrived in one turn (a
 * burst of `directory.get` requests, the answers to them, a page of `database.update`) becomes
 * one write, one TLS batch, one gzip frame. The buffer goes at once, without waiting for the turn
 * to end, when it is full, when a large chunk follows it, or on `flush()`.
 *
 * Back-pressure stays: a write resolves when it is buffered, and the buffer holds at most
 * `maxBufferBytes`; past that, writes wait for it to go down. Large chunks (file data) are not
 * copied: the buffer goes first, then the chunk as it is. A large chunk's write resolves at once
 * while less than `COALESCE_WRITE_BEHIND_BYTES` of them are on their way below, so the producer
 * reads its next chunk from disk while this one is compressed and sealed, instead of after.
 */
import type { ByteStream } from '../protocol/stream/byte-stream'
import { concatBytes } from '../protocol/wire/bytes'

/** Below this a write is copied into the buffer; at or above it, it is passed through. */
export const COALESCE_MAX_COPY_BYTES = 16 * 1024
/** How much may wait in the buffer before writers are held back. */
export const COALESCE_BUFFER_BYTES = 256 * 1024
/** Large chunks that may be on their way below before their writer waits. */
export const COALESCE_WRITE_BEHIND_BYTES = 4 * 1024 * 1024

/** Runs `task` once the current turn of the event loop is over (setImmediate on Node). */
export type Defer = (task: () => void) => void

/**
 * Without a platform's own, the buffer goes down as soon as the write before it has: writes that
 * come while one is on its way are still gathered. (A zero timeout would be the portable end of a
 * turn, but browsers stretch nested ones to 4 ms.)
 */
const deferNot: Defer = (task) => task()

export interface CoalescingStream extends ByteStream {
  /** Resolves once everything written so far has gone down (before the framing below changes). */
  flush(): Promise<void>
}

interface Batch {
  readonly parts: Uint8Array[]
  bytes: number
  /** Lets the batch go down now instead of at the end of the turn. */
  release: () => void
  written: Promise<void>
}

export function coalescingStream(
  inner: ByteStream,
  defer: Defer = deferNot,
  maxBufferBytes = COALESCE_BUFFER_BYTES,
): CoalescingStream {
  /** Writes below us, one after another, in the order they were made. */
  let tail: Promise<void> = Promise.resolve()
  /** The batch still open for small writes. */
  let batch: Batch | undefined
  let failure: unknown
  /** Bytes of large chunks handed below and not yet accepted. */
  let behind = 0

  const schedule = (write: () => Promise<void>): Promise<void> => {
    const run = tail.then(write)
    tail = run.catch((err: unknown) => void (failure ??= err))
    return run
  }

  /** Closes the open batch to further writes and lets it go down as soon as its turn comes. */
  const release = (): Batch | undefined => {
    const current = batch
    batch = undefined
    current?.release()
    return current
  }

  const open = (): Batch => {
    let release: () => void = () => undefined
    const due = new Promise<void>((resolve) => (release = resolve))
    const opened: Batch = { parts: [], bytes: 0, release, written: Promise.resolve() }
    defer(release)
    opened.written = schedule(async () => {
      await due
      if (batch === opened) batch = undefined
      return inner.write(opened.parts.length === 1 ? opened.parts[0]! : concatBytes(opened.parts))
    })
    opened.written.catch(() => undefined)
    return opened
  }

  return {
    read: () => inner.read(),
    async write(chunk) {
      if (failure !== undefined) throw failure
      if (chunk.byteLength >= COALESCE_MAX_COPY_BYTES) {
        release()
        behind += chunk.byteLength
        const written = schedule(() => inner.write(chunk)).finally(() => (behind -= chunk.byteLength))
        written.catch(() => undefined) // a failure is kept and thrown by the next call
        return behind <= COALESCE_WRITE_BEHIND_BYTES ? undefined : written
      }
      const current = (batch ??= open())
      // A small view may be reused by its producer once we return: keep a copy.
      current.parts.push(chunk.slice())
      current.bytes += chunk.byteLength
      if (current.bytes >= maxBufferBytes) await release()?.written
    },
    async flush() {
      release()
      await tail
      if (failure !== undefined) throw failure
    },
    async end() {
      await this.flush()
      await inner.end()
    },
    close: (err) => inner.close(err),
    closed: inner.closed,
  }
}
