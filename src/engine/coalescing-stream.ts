/**
 * Gathers small writes into larger ones. The wire writer makes one write per message header and
 * per payload chunk header, and every write below us becomes a TLS record: one AES and one HMAC
 * call each, off-thread. A burst of 10,000 small `database.update` or `directory.get` messages
 * then costs 10,000 records. Here writes that arrive while the previous one is still on its way
 * are appended to a buffer and go down together, so a burst costs a few large records; a lone
 * write still goes at once (no timer, no added latency).
 *
 * Back-pressure stays: a write resolves when it is buffered, and the buffer holds at most
 * `maxBufferBytes`; past that, writes wait for the flush. Large chunks (file data) are not
 * copied: the buffer is flushed first, then the chunk goes down as it is.
 */
import type { ByteStream } from '../protocol/stream/byte-stream'
import { concatBytes } from '../protocol/wire/bytes'

/** Below this a write is copied into the buffer; at or above it, it is passed through. */
export const COALESCE_MAX_COPY_BYTES = 16 * 1024
/** How much may wait in the buffer before writers are held back. */
export const COALESCE_BUFFER_BYTES = 256 * 1024

export interface CoalescingStream extends ByteStream {
  /** Resolves once everything written so far has gone down (before the framing below changes). */
  flush(): Promise<void>
}

export function coalescingStream(inner: ByteStream, maxBufferBytes = COALESCE_BUFFER_BYTES): CoalescingStream {
  /** Writes below us, one after another, in the order they were made. */
  let tail: Promise<void> = Promise.resolve()
  /** The batch still open for small writes: it goes down once the write before it is done. */
  let batch: { parts: Uint8Array[]; bytes: number; written: Promise<void> } | undefined
  let failure: unknown

  const schedule = (write: () => Promise<void>): Promise<void> => {
    const run = tail.then(write)
    tail = run.catch((err: unknown) => void (failure ??= err))
    return run
  }

  return {
    read: () => inner.read(),
    async write(chunk) {
      if (failure !== undefined) throw failure
      if (chunk.byteLength >= COALESCE_MAX_COPY_BYTES) {
        batch = undefined
        return schedule(() => inner.write(chunk))
      }
      if (!batch) {
        const open = { parts: [] as Uint8Array[], bytes: 0, written: Promise.resolve() }
        open.written = schedule(() => {
          if (batch === open) batch = undefined
          return inner.write(open.parts.length === 1 ? open.parts[0]! : concatBytes(open.parts))
        })
        open.written.catch(() => undefined)
        batch = open
      }
      // A small view may be reused by its producer once we return: keep a copy.
      const current = batch
      current.parts.push(chunk.slice())
      current.bytes += chunk.byteLength
      if (current.bytes >= maxBufferBytes) {
        batch = undefined
        await current.written
      }
    },
    async flush() {
      batch = undefined
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
