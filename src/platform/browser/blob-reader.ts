/**
 * Reads a Blob (a File from OPFS or a picked folder) as a stream of 1 MiB chunks, with the next
 * `slice().arrayBuffer()` read in flight while the consumer works on the current one. This is the
 * way through a file where no sync access handle is to be had (the page's thread, a picked
 * folder); in the engine's worker on OPFS, `sync-access.ts` is cheaper still.
 *
 * Why not `Blob.stream()`: it hands out small chunks one IPC round trip at a time, and hashing
 * through it falls well behind hash-wasm's in-memory speed. Each slice read costs a round trip
 * too, so pieces are 4 MiB, cut into 1 MiB views: a chunk may be a view into its piece's buffer
 * (to transfer one to another thread, copy it; `port-stream.ts` does).
 */
import { MAX_READ_CHUNK_BYTES } from '../../protocol/directory/file-store'

export const READ_PIECE_BYTES = 4 * MAX_READ_CHUNK_BYTES
/** Pieces read ahead of the consumer, the current one included. */
export const READ_AHEAD_PIECES = 2

export async function* readBlob(blob: Blob, start = 0, end = blob.size): AsyncGenerator<Uint8Array<ArrayBuffer>> {
  const pending: Promise<ArrayBuffer>[] = []
  let next = Math.max(0, start)
  const stop = Math.min(end, blob.size)
  try {
    for (;;) {
      while (pending.length < READ_AHEAD_PIECES && next < stop) {
        const to = Math.min(stop, next + READ_PIECE_BYTES)
        pending.push(blob.slice(next, to).arrayBuffer())
        next = to
      }
      const read = pending.shift()
      if (read === undefined) return
      const piece = new Uint8Array(await read)
      for (let at = 0; at < piece.byteLength; at += MAX_READ_CHUNK_BYTES) yield piece.subarray(at, at + MAX_READ_CHUNK_BYTES)
    }
  } finally {
    // A consumer that stops early leaves reads in flight; their results (or errors) are dropped.
    for (const read of pending) read.catch(() => undefined)
  }
}
