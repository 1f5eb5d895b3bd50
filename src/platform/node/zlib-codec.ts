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

/** A plain Uint8Array view of a Buffer, without copying it. */
function view(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
}

export const nodeZlibCodec: PlatformZlib = {
  deflate: async (data) => view(data.byteLength <= SYNC_ZLIB_MAX_BYTES ? deflateSync(data) : await deflateAsync(data)),
  store: async (data) =>
    view(data.byteLength <= SYNC_ZLIB_MAX_BYTES ? deflateSync(data, { level: STORE_LEVEL }) : await deflateAsync(data, { level: STORE_LEVEL })),
  // maxOutputLength makes zlib stop with ERR_BUFFER_TOO_LARGE instead of inflating a bomb (a
  // synchronous one stops at the same bound, some milliseconds of work at worst).
  inflate: async (data, maxOutputBytes) =>
    view(data.byteLength <= SYNC_ZLIB_MAX_BYTES ? inflateSync(data, { maxOutputLength: maxOutputBytes }) : await inflateAsync(data, { maxOutputLength: maxOutputBytes })),
}
