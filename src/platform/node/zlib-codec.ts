/**
 * The gzip extension's zlib codec on Node: node:zlib. Small inputs are (de)compressed on the
 * calling thread: a hop to the thread pool costs several times the work itself for a few KiB
 * (measured: about 100 µs of CPU per async call against 10-25 µs synchronously for 1-8 KiB), and
 * a sync of small files is thousands of such frames. Large inputs go to the thread pool, so the
 * event loop never stalls for long.
 */
import { promisify } from 'node:util'
import { deflate, deflateSync, inflate, inflateSync } from 'node:zlib'
import type { PlatformZlib } from '../../engine/adaptive-zlib'

const deflateAsync = promisify(deflate)
const inflateAsync = promisify(inflate)

/** Inputs up to this size are handled synchronously (about 0.1 ms of work at most). */
export const SYNC_ZLIB_MAX_BYTES = 64 * 1024
/** zlib's "no compression" level: stored blocks, written and checksummed in C. */
const STORE_LEVEL = 0
const DEFAULT_CHUNK_BYTES = 16 * 1024

/**
 * node:zlib produces its output in pieces of `chunkSize` (16 KiB unless told), one trip through
 * its loop (or the thread pool) each: a 1 MiB frame took 64 of them and cost five times the
 * work. So the output buffer is sized to what the frame will likely produce.
 */
function storeChunk(inputBytes: number): number {
  // Stored blocks are the input, their 5-byte headers and the zlib header and trailer.
  return Math.max(DEFAULT_CHUNK_BYTES, inputBytes + (inputBytes >>> 6) + 1024)
}

function deflateChunk(inputBytes: number): number {
  // What is deflated compresses (adaptive-zlib.ts samples large writes): a quarter of the input
  // is room enough mostly, and a buffer much larger than its output is garbage the size of the
  // input for each frame (a small-file sync's peak memory came out some 10 MB lower).
  return Math.max(DEFAULT_CHUNK_BYTES, (inputBytes >>> 2) + 1024)
}

function inflateChunk(inputBytes: number, maxOutputBytes: number): number {
  // Large frames are mostly file data sent stored (adaptive-zlib.ts): about as large inflated.
  // Small ones are JSON, which inflates several times over.
  const likely = inputBytes > SYNC_ZLIB_MAX_BYTES ? inputBytes + 64 * 1024 : inputBytes * 8
  return Math.min(Math.max(DEFAULT_CHUNK_BYTES, likely), Math.max(DEFAULT_CHUNK_BYTES, maxOutputBytes))
}

/** A plain Uint8Array view of a Buffer, without copying it. */
function view(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
}

export const nodeZlibCodec: PlatformZlib = {
  deflate: async (data) => {
    const options = { chunkSize: deflateChunk(data.byteLength) }
    return view(
      data.byteLength <= SYNC_ZLIB_MAX_BYTES ? deflateSync(data, options) : await deflateAsync(data, options),
    )
  },
  // Storing is a copy and a checksum (0.3 ms per MiB): cheaper here than a trip to the pool.
  store: async (data) =>
    view(deflateSync(data, { level: STORE_LEVEL, chunkSize: storeChunk(data.byteLength) })),
  // maxOutputLength makes zlib stop with ERR_BUFFER_TOO_LARGE instead of inflating a bomb (a
  // synchronous one stops at the same bound, some milliseconds of work at worst).
  inflate: async (data, maxOutputBytes) => {
    const options = {
      maxOutputLength: maxOutputBytes,
      chunkSize: inflateChunk(data.byteLength, maxOutputBytes),
    }
    return view(
      data.byteLength <= SYNC_ZLIB_MAX_BYTES ? inflateSync(data, options) : await inflateAsync(data, options),
    )
  },
}
