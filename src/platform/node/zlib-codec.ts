/** The gzip extension's zlib codec on Node: node:zlib, which runs off the main thread. */
import { promisify } from 'node:util'
import { deflate, inflate } from 'node:zlib'
import type { ZlibCodec } from '../../protocol/wire/zlib-codec'

const deflateAsync = promisify(deflate)
const inflateAsync = promisify(inflate)

export const nodeZlibCodec: ZlibCodec = {
  deflate: async (data) => new Uint8Array(await deflateAsync(data)),
  // maxOutputLength makes zlib stop with ERR_BUFFER_TOO_LARGE instead of inflating a bomb.
  inflate: async (data, maxOutputBytes) =>
    new Uint8Array(await inflateAsync(data, { maxOutputLength: maxOutputBytes })),
}
