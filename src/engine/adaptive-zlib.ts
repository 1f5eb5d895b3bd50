/**
 * The gzip extension without paying for what does not compress. gzip.md frames every write as a
 * zlib stream; JSON compresses well, but most file data (photos, video, archives) does not, and
 * deflating it costs more CPU than TLS itself. A large write is judged by deflating a sample of it:
 * if the sample barely shrinks, the write goes as "stored" deflate blocks (RFC 1951 3.2.4, BTYPE
 * 00), still a valid zlib stream that any inflater reads, at the cost of a copy and an Adler-32.
 */
import type { ZlibCodec } from '../protocol/wire'

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
const MAX_STORED_BLOCK_BYTES = 65_535
/** RFC 1950: CM 8 (deflate), CINFO 7, FLEVEL 0, FCHECK making the header a multiple of 31. */
const ZLIB_HEADER = [0x78, 0x01] as const

/** A platform's zlib, which may also write stored blocks itself (faster than `storedZlib`'s loop). */
export interface PlatformZlib extends ZlibCodec {
  /** `data` as one zlib stream of stored deflate blocks. */
  store?(data: Uint8Array): Promise<Uint8Array>
}

export function adaptiveZlib(codec: PlatformZlib): ZlibCodec {
  const store = codec.store?.bind(codec) ?? ((data: Uint8Array) => Promise.resolve(storedZlib(data)))
  return {
    async deflate(data) {
      if (data.byteLength < SAMPLE_FROM_BYTES) return codec.deflate(data)
      const sample = await codec.deflate(data.subarray(0, SAMPLE_BYTES))
      return sample.byteLength < SAMPLE_BYTES * WORTH_IT_RATIO ? codec.deflate(data) : store(data)
    },
    inflate: (data, maxOutputBytes) => codec.inflate(data, maxOutputBytes),
  }
}

/** `data` as a zlib stream of stored (uncompressed) deflate blocks. */
export function storedZlib(data: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(data.byteLength / MAX_STORED_BLOCK_BYTES))
  const out = new Uint8Array(2 + blocks * 5 + data.byteLength + 4)
  out.set(ZLIB_HEADER, 0)
  let at = 2
  for (let block = 0; block < blocks; block++) {
    const start = block * MAX_STORED_BLOCK_BYTES
    const length = Math.min(MAX_STORED_BLOCK_BYTES, data.byteLength - start)
    out[at++] = block === blocks - 1 ? 1 : 0 // BFINAL, BTYPE 00
    out[at++] = length & 0xff
    out[at++] = length >>> 8
    out[at++] = ~length & 0xff
    out[at++] = (~length >>> 8) & 0xff
    out.set(data.subarray(start, start + length), at)
    at += length
  }
  new DataView(out.buffer).setUint32(at, adler32(data))
  return out
}

/** RFC 1950 section 8.2; sums are reduced every 5552 bytes, the most that cannot overflow 2^32. */
export function adler32(data: Uint8Array): number {
  let a = 1
  let b = 0
  for (let i = 0; i < data.byteLength;) {
    const end = Math.min(data.byteLength, i + 5552)
    for (; i < end; i++) {
      a += data[i]!
      b += a
    }
    a %= 65_521
    b %= 65_521
  }
  return ((b << 16) | a) >>> 0
}
