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
/**
 * Large writes in a row are mostly one file's data, so after samples that did not shrink, the
 * next writes go stored unsampled: 1, then 2, 4, 8, then this many after each such sample. A
 * 4 KiB sample still cost about 60-120 µs a MiB of a large file that does not compress; now it is
 * paid once in 17 writes. A file that compresses, right after one that does not, loses at most
 * this many writes (16 MiB in the engine's 1 MiB writes) of compression.
 */
export const MAX_UNSAMPLED_WRITES = 16

export function adaptiveZlib(codec: ZlibCodec): GzipCodec {
  /** Incompressible samples in a row, and how many large writes go stored before the next sample. */
  let misses = 0
  let unsampled = 0
  return {
    async deflate(data) {
      if (data.byteLength < SAMPLE_FROM_BYTES) return codec.deflate(data)
      if (unsampled > 0) {
        unsampled--
        return storedZlibParts(data)
      }
      const sample = await codec.deflate(data.subarray(0, SAMPLE_BYTES))
      if (sample.byteLength < SAMPLE_BYTES * WORTH_IT_RATIO) {
        misses = 0
        return codec.deflate(data)
      }
      unsampled = Math.min(2 ** misses, MAX_UNSAMPLED_WRITES)
      misses++
      return storedZlibParts(data)
    },
    inflate: (data, maxOutputBytes) => codec.inflate(data, maxOutputBytes),
  }
}
