/**
 * The gzip extension's zlib codec on Node: node:zlib. Small inputs are (de)compressed on the
 * calling thread: a hop to the thread pool costs several times the work itself for a few KiB
 * (measured: about 100 µs of CPU per async call against 10-25 µs synchronously for 1-8 KiB), and
 * a sync of small files is thousands of such frames. Large inputs go to the thread pool, so the
 * event loop never stalls for long.
 */
import { promisify } from 'node:util'
import { deflate, deflateSync, inflate, inflateSync } from 'node:zlib'
import type { ZlibCodec } from '../../protocol/wire/zlib-codec'

const deflateAsync = promisify(deflate)
const inflateAsync = promisify(inflate)

/** Inputs up to this size are handled synchronously (about 0.1 ms of work at most). */
export const SYNC_ZLIB_MAX_BYTES = 64 * 1024
const DEFAULT_CHUNK_BYTES = 16 * 1024

/**
 * node:zlib produces its output in pieces of `chunkSize` (16 KiB unless told), one trip through
 * its loop (or the thread pool) each: a 1 MiB frame took 64 of them and cost five times the
 * work. So the output buffer is sized to what the frame will likely produce.
 */
function deflateChunk(inputBytes: number): number {
  // What is deflated compresses (adaptive-zlib.ts samples large writes): a quarter of the input
  // is room enough mostly, and a buffer much larger than its output is garbage the size of the
  // input for each frame (a small-file sync's peak memory came out some 10 MB lower).
  return Math.max(DEFAULT_CHUNK_BYTES, (inputBytes >>> 2) + 1024)
}

function inflateChunk(inputBytes: number, maxOutputBytes: number): number {
  // Frames of stored blocks (file data that does not compress) never come here: they are read
  // where they arrived (src/protocol/wire/stored-zlib.ts). What does is deflated text and JSON,
  // which inflates several times over; a large frame of it less so than a message.
  const likely = inputBytes * (inputBytes > SYNC_ZLIB_MAX_BYTES ? 4 : 8)
  return Math.min(Math.max(DEFAULT_CHUNK_BYTES, likely), Math.max(DEFAULT_CHUNK_BYTES, maxOutputBytes))
}

/** A plain Uint8Array view of a Buffer, without copying it. */
function view(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
}

export const nodeZlibCodec: ZlibCodec = {
  deflate: async (data) => {
    const options = { chunkSize: deflateChunk(data.byteLength) }
    return view(
      data.byteLength <= SYNC_ZLIB_MAX_BYTES ? deflateSync(data, options) : await deflateAsync(data, options),
    )
  },
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
