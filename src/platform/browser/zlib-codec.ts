/**
 * The gzip extension's zlib codec in browsers and workers: CompressionStream('deflate') is the zlib
 * format of RFC 1950 ('deflate-raw' would be bare deflate). Inflation stops reading, and cancels the
 * stream, as soon as the output passes its bound.
 */
import { asArrayBufferView, concatBytes } from '../../protocol/wire/bytes'
import type { ZlibCodec } from '../../protocol/wire/zlib-codec'

async function transform(
  stream: CompressionStream | DecompressionStream,
  data: Uint8Array,
  maxOutputBytes: number,
): Promise<Uint8Array> {
  const writer = stream.writable.getWriter()
  // Not awaited here: the writer only settles once the output is read, and a failure shows on the reader too.
  writer.write(asArrayBufferView(data)).catch(() => undefined)
  writer.close().catch(() => undefined)
  const reader = stream.readable.getReader()
  const parts: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return concatBytes(parts)
    total += value.byteLength
    if (total > maxOutputBytes) {
      await reader.cancel()
      throw new RangeError(`output exceeds ${maxOutputBytes} bytes`)
    }
    parts.push(value)
  }
}

export const browserZlibCodec: ZlibCodec = {
  deflate: (data) => transform(new CompressionStream('deflate'), data, Number.POSITIVE_INFINITY),
  inflate: (data, maxOutputBytes) => transform(new DecompressionStream('deflate'), data, maxOutputBytes),
}
