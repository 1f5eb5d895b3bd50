/**
 * The gzip extension without paying for what does not compress. gzip.md frames every write as a
 * zlib stream; JSON compresses well, but most file data (photos, video, archives) does not, and
 * deflating it costs more CPU than TLS itself. A large write is judged by a sample of it: if the
 * sample looks like noise, or deflates but barely shrinks, the write goes as "stored" deflate
 * blocks (RFC 1951 3.2.4, BTYPE 00), still a valid zlib stream that any inflater reads, at the cost
 * of an Adler-32: the data itself goes down as it is (stored-zlib.ts).
 *
 * What compresses is deflated only while the link is slower than deflate. Deflate takes about
 * 40 MB/s of text here; a LAN or loopback takes more than that stored, and deflating there held a
 * 256 MiB text file to 38 MB/s against 240 stored (bench/sync, loopback). A link is judged by how
 * long it takes the frames (GzipCodec.sent): deflated frames it takes faster than deflate makes
 * them, several in a row, mean it may be faster than deflate, so large writes go stored to measure
 * it; if stored frames then find it slower than deflate, deflating resumes. A link slower than
 * deflate's output is always found slower, so there every large write that compresses is deflated.
 */
import type { GzipCodec, ZlibCodec } from '../protocol/wire'
import { storedZlibParts } from '../protocol/wire/stored-zlib'

/** Writes at least this large are sampled; smaller ones are deflated (down to STORED_BELOW_BYTES). */
export const SAMPLE_FROM_BYTES = 64 * 1024
/**
 * Writes shorter than this go stored: deflate saves them a few bytes at most (a payload chunk's
 * 8-byte header deflates to 16 bytes, stored takes 19), and making a zlib stream object costs
 * 30-70 µs on each side. A file sent in 1 MiB chunks has such a header before every chunk: the
 * receiver of 1 GiB spent about 75 ms inflating them (bench/sync, CPU profile).
 */
export const STORED_BELOW_BYTES = 64
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
 * A sample whose bytes are this spread out (Shannon entropy of their counts, in bits a byte), and
 * whose neighbouring bytes repeat no more than noise's do (NOISE_DISTINCT_PAIRS), is not deflated
 * at all: Huffman coding cannot take it below this / 8 of its size (4 KiB of noise measures about
 * 7.95, a 1 KiB run of noise repeated four times 7.82, text 4-5.5, programs about 6). Deflating
 * the sample of a file that does not compress cost 60-120 µs a MiB, counting its bytes about 11
 * and its pairs about 12 more.
 */
export const NOISE_BITS_PER_BYTE = 7.9
/**
 * The counts of single bytes do not see repeats, which LZ77 finds: the bytes 0-255 over and over,
 * a colour gradient, or 2 KiB of noise twice measure 7.9-8 bits a byte and deflate to 0.08-0.52
 * of the sample. Repeats show as fewer distinct pairs of neighbouring bytes: a 4 KiB sample's
 * 4,095 pairs of noise make 3,923-4,004 distinct ones of the 65,536 (2,000 samples), those three
 * 256-2,017, and a 16-bit ramp that deflates to 0.89 makes 3,583.
 */
export const NOISE_DISTINCT_PAIRS = 3_800

/** The Shannon entropy of `bytes`' byte counts, in bits per byte (0 to 8). */
export function bitsPerByte(bytes: Uint8Array): number {
  const counts = new Uint32Array(256)
  for (let i = 0; i < bytes.length; i++) counts[bytes[i]!]!++
  let bits = 0
  for (const count of counts) {
    if (count === 0) continue
    const p = count / bytes.length
    bits -= p * Math.log2(p)
  }
  return bits
}

/** How many different pairs of neighbouring bytes `bytes` holds. */
export function distinctPairs(bytes: Uint8Array): number {
  const seen = new Uint32Array(65_536 / 32)
  let distinct = 0
  for (let i = 1; i < bytes.length; i++) {
    const pair = (bytes[i - 1]! << 8) | bytes[i]!
    const bit = 1 << (pair & 31)
    const word = seen[pair >>> 5]!
    if (word & bit) continue
    seen[pair >>> 5] = word | bit
    distinct++
  }
  return distinct
}

/** Noise by both measures: nothing for Huffman coding, nothing repeated for LZ77. */
function looksLikeNoise(sample: Uint8Array): boolean {
  return bitsPerByte(sample) >= NOISE_BITS_PER_BYTE && distinctPairs(sample) >= NOISE_DISTINCT_PAIRS
}

/**
 * Deflated frames the link took at least as fast as deflate takes input, in a row, before large
 * writes go stored to measure the link.
 */
export const PROBE_AFTER_FRAMES = 8
/**
 * Each time a measurement finds the link slower than deflate, the next one waits twice as many
 * frames, up to this: a link between deflate's output and its input (which deflated frames never
 * fill) would otherwise be measured, stored, every few megabytes.
 */
export const MAX_PROBE_AFTER_FRAMES = 512
/** A stored frame that waited less than this went down at once: the link's buffer had room. */
const MIN_WAIT_MS = 0.1
/** Stored frames that waited, whose bytes over their waits measure the link. */
export const MEASURED_FRAMES = 3
/** Weight of the newest call in the running average of deflate's rate. */
const NEWEST_WEIGHT = 0.5

/** `codec` with the choices above, for one link; `clock` in milliseconds (a monotonic one). */
export function adaptiveZlib(codec: ZlibCodec, clock: () => number = () => performance.now()): GzipCodec {
  /**
   * Bytes of input deflate takes a millisecond, on average over whole writes (a sample's call
   * costs more than its bytes do); undefined until one has been deflated.
   */
  let deflateRate: number | undefined
  let storing = false
  let takenAtOnce = 0
  let probeAfter = PROBE_AFTER_FRAMES
  /** Stored frames that waited for the link since the last decision, and what they took. */
  let measured = { frames: 0, bytes: 0, ms: 0 }
  /** How the last large write that compresses went: what `sent` then learns from. */
  let last: 'deflated' | 'stored' | undefined

  const average = (previous: number | undefined, rate: number): number =>
    previous === undefined ? rate : previous + NEWEST_WEIGHT * (rate - previous)
  const timedDeflate = async (data: Uint8Array): Promise<Uint8Array> => {
    const started = clock()
    const deflated = await codec.deflate(data)
    // A clock too coarse to see the call says nothing about its rate.
    const ms = clock() - started
    if (ms > 0) deflateRate = average(deflateRate, data.byteLength / ms)
    return deflated
  }

  return {
    async deflate(data) {
      last = undefined
      if (data.byteLength < STORED_BELOW_BYTES) return storedZlibParts(data)
      if (data.byteLength < SAMPLE_FROM_BYTES) return codec.deflate(data)
      const sample = data.subarray(0, SAMPLE_BYTES)
      if (looksLikeNoise(sample)) return storedZlibParts(data)
      const deflated = await codec.deflate(sample)
      if (deflated.byteLength >= SAMPLE_BYTES * WORTH_IT_RATIO) return storedZlibParts(data)
      last = storing ? 'stored' : 'deflated'
      return storing ? storedZlibParts(data) : timedDeflate(data)
    },
    sent(wireBytes, waitedMs) {
      const how = last
      last = undefined
      if (how === undefined || deflateRate === undefined) return
      if (how === 'deflated') {
        // Taken faster than deflate takes input: the link may be faster than deflate.
        takenAtOnce = wireBytes >= deflateRate * waitedMs ? takenAtOnce + 1 : 0
        if (takenAtOnce < probeAfter) return
        storing = true
        takenAtOnce = 0
        measured = { frames: 0, bytes: 0, ms: 0 }
        return
      }
      if (waitedMs < MIN_WAIT_MS) return
      measured = {
        frames: measured.frames + 1,
        bytes: measured.bytes + wireBytes,
        ms: measured.ms + waitedMs,
      }
      if (measured.frames < MEASURED_FRAMES) return
      const linkRate = measured.bytes / measured.ms
      measured = { frames: 0, bytes: 0, ms: 0 }
      if (linkRate >= deflateRate) {
        probeAfter = PROBE_AFTER_FRAMES
        return
      }
      storing = false
      probeAfter = Math.min(MAX_PROBE_AFTER_FRAMES, probeAfter * 2)
    },
    inflate: (data, maxOutputBytes) => codec.inflate(data, maxOutputBytes),
  }
}
