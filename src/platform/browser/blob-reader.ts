/**
 * Reads a Blob (a File from OPFS or a picked folder) as a stream of fresh 1 MiB chunks, with
 * several `slice().arrayBuffer()` reads in flight while the consumer works on the current one.
 *
 * Why not `Blob.stream()`: in Chromium it hands out 64 KiB chunks one IPC round trip at a time,
 * and hashing through it reaches about a third of hash-wasm's in-memory speed; with reads queued
 * ahead, the reading overlaps the hashing (see bench/browser). Each chunk owns its ArrayBuffer, so
 * a consumer may keep it or transfer it to another thread.
 */
import { MAX_READ_CHUNK_BYTES } from '../../protocol/directory/file-store'

/** Reads queued ahead of the consumer: at most this many MiB are held beyond the current chunk. */
export const READ_AHEAD_CHUNKS = 8

export async function* readBlob(blob: Blob, start = 0, end = blob.size): AsyncGenerator<Uint8Array<ArrayBuffer>> {
  const pending: Promise<ArrayBuffer>[] = []
  let next = Math.max(0, start)
  const stop = Math.min(end, blob.size)
  try {
    for (;;) {
      while (pending.length < READ_AHEAD_CHUNKS && next < stop) {
        const to = Math.min(stop, next + MAX_READ_CHUNK_BYTES)
        pending.push(blob.slice(next, to).arrayBuffer())
        next = to
      }
      const read = pending.shift()
      if (read === undefined) return
      yield new Uint8Array(await read)
    }
  } finally {
    // A consumer that stops early leaves reads in flight; their results (or errors) are dropped.
    for (const read of pending) read.catch(() => undefined)
  }
}
