/**
 * The gzip extension without paying for what does not compress. gzip.md frames every write as a
 * zlib stream; JSON compresses well, but most file data (photos, video, archives) does not, and
 * deflating it costs more CPU than TLS itself. A large write is judged by deflating a sample of it:
 * if the sample barely shrinks, the write goes as "stored" deflate blocks (RFC 1951 3.2.4, BTYPE
 * 00), still a valid zlib stream that any inflater reads, at the cost of an Adler-32: the data
 * itself goes down as it is (stored-zlib.ts).
 */
import type { GzipCodec, ZlibCodec } from '../protocol/wire'
import { storedZlibParts } from '../protocol/wire/stored-zlib'

/** Writes at least this large are sampled; smaller ones are always deflated. */
export const SAMPLE_FROM_BYTES = 64 * 1024
/**
 * A 4 KiB sample decides as a 16 KiB one did (deflated to 0.41 and 0.37 of itself for this
 * project's README, 0.43 and 0.30 for TypeScript, 1.00 and 0.99 for a PNG, 0.74 and 0.80 for a
 * program) at a quarter of the cost: 16 KiB samples of each 1 MiB write of a 1 GiB file cost the
 * sender 0.13-0.16 s of CPU (perf).
 */
const SAMPLE_BYTES = 4 * 1024
/** Deflate only if the sample shrinks below this fraction of its size. */
const WORTH_IT_RATIO = 0.9

export function adaptiveZlib(codec: ZlibCodec): GzipCodec {
  return {
    async deflate(data) {
      if (data.byteLength < SAMPLE_FROM_BYTES) return codec.deflate(data)
      const sample = await codec.deflate(data.subarray(0, SAMPLE_BYTES))
      return sample.byteLength < SAMPLE_BYTES * WORTH_IT_RATIO ? codec.deflate(data) : storedZlibParts(data)
    },
    inflate: (data, maxOutputBytes) => codec.inflate(data, maxOutputBytes),
  }
}
