/**
 * Reads a Blob (a File from OPFS or a picked folder) as a stream of chunks of at most 1 MiB.
 *
 * Measured in this Chromium (bench/browser, 64 MiB files, per-round ratios to hash-wasm in
 * memory): hashing through `Blob.stream()` kept up best, ahead of `slice().arrayBuffer()` pieces
 * read ahead (1 or 4 MiB, two to eight in flight) and of sync access handle reads in a worker,
 * whose exclusive or shared locks would also block commits. So the stream it is; its chunks are
 * fresh (a consumer may keep them), and cut to 1 MiB only should the browser hand out larger.
 *
 * A small read is one `arrayBuffer()` instead: a stream's reader and pipe cost more than a file of
 * a few KiB takes to read, and the whole file is not sliced at all (each `slice()` of a File
 * registers a new blob with the browser: 0.75 ms of a sender's worker per small file served,
 * bench/browser/profile.ts with BENCH_PROFILE_FILES=2000).
 */
import { MAX_READ_CHUNK_BYTES } from '../../protocol/directory/file-store'

/** Reads up to this size are one `arrayBuffer()` call. */
const SMALL_READ_BYTES = 256 * 1024

export async function* readBlob(
  blob: Blob,
  start = 0,
  end = blob.size,
): AsyncGenerator<Uint8Array<ArrayBuffer>> {
  const from = Math.max(0, start)
  const stop = Math.min(end, blob.size)
  if (from >= stop) return
  const part = from === 0 && stop === blob.size ? blob : blob.slice(from, stop)
  if (stop - from <= SMALL_READ_BYTES) {
    yield new Uint8Array(await part.arrayBuffer())
    return
  }
  for await (const chunk of part.stream()) {
    for (let at = 0; at < chunk.byteLength; at += MAX_READ_CHUNK_BYTES)
      yield chunk.subarray(at, at + MAX_READ_CHUNK_BYTES)
  }
}
