/**
 * Buffers for sealing, kept for reuse. Sealing a batch of records takes a buffer for the
 * plaintext (free again once encrypted) and one for the records (free again once the transport
 * has let go of them). Allocated afresh, the two came to 2 GiB of short-lived ArrayBuffers per GiB
 * sent; V8 begins a full collection every 64 MB of ArrayBuffers it sees outlive the young
 * generation, and a sender of bulk data spent about a fifth of its main thread collecting
 * (bench/sync, `BENCH_NODE_FLAGS=--trace-gc`). One pool serves every connection of the thread: it
 * holds at most MAX_FREE buffers, so an idle connection keeps none.
 */
import { MAX_PLAINTEXT_BYTES } from './constants'

/**
 * A batch of 16 full records (the session's batches, 256 KiB of data) sealed with its headers,
 * IVs, padding and MACs fits, with room to spare; a larger request gets a buffer of its own.
 */
export const SEAL_BUFFER_BYTES = 17 * (MAX_PLAINTEXT_BYTES + 1024)
const MAX_FREE = 8

const free: ArrayBuffer[] = []
/** Buffers handed out by `take` and not yet given back: only those may be given back. */
const lent = new WeakSet<ArrayBuffer>()

/** A buffer of `bytes` bytes, with unspecified contents: from the pool when it fits. */
export function takeSealBuffer(bytes: number): Uint8Array {
  if (bytes > SEAL_BUFFER_BYTES) return new Uint8Array(bytes)
  const buffer = free.pop() ?? new ArrayBuffer(SEAL_BUFFER_BYTES)
  lent.add(buffer)
  return new Uint8Array(buffer, 0, bytes)
}

/**
 * Gives back a buffer from `takeSealBuffer` (or any view of it) once nothing reads it any more;
 * anything else is left to the garbage collector.
 */
export function giveSealBuffer(view: Uint8Array): void {
  const buffer = view.buffer
  if (!(buffer instanceof ArrayBuffer) || !lent.has(buffer)) return
  lent.delete(buffer)
  if (free.length < MAX_FREE) free.push(buffer)
}
