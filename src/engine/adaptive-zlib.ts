/**
 * The gzip extension without paying for what does not compress. gzip.md frames every write as a
 * zlib stream; JSON compresses well, but most file data (photos, video, archives) does not, and
 * deflating it costs more CPU than TLS itself. A large write is judged by a sample of it: if the
 * sample looks like noise, or deflates but barely shrinks, the write goes as "stored" deflate
 * blocks (RFC 1951 3.2.4, BTYPE 00), still a valid zlib stream that any inflater reads, at the cost
 * of an Adler-32: the data itself goes down as it is (stored-zlib.ts).
 *
 * What compresses is deflated only when that gets it out faster than storing it does. Deflate
 * takes about 40 MB/s of text here; a LAN or loopback takes more than that stored, and deflating
 * there held a 256 MiB text file to 38 MB/s, where stored it syncs at about 136 (bench/sync,
 * loopback, BENCH_BIG=text);
 * over a slower link, or a browser's data channel, deflating gets more through. So both ways are
 * timed on the writes themselves: the gzip framing says how long each frame took, from the start
 * of its deflate to the link taking it (GzipCodec.sent), and the codec keeps each way's rate in
 * bytes of input a millisecond. It deflates at first, tries the other way for a few frames now
 * and then (less and less often), and takes whichever went faster, stored only when clearly so
 * (STORED_MARGIN); if the way in use falls behind what the other last did, it changes at once.
 * Deflated frames that waited for the link do not count towards a try: there the link is slower
 * than deflated output, and stored, more bytes, could only be slower.
 * Only where the platform's links may outrun deflate (`tryStored`: TCP, on a LAN or loopback); a
 * browser's data channels never do, and there the tries only cost (256 MiB of text took 7.3 s
 * instead of 6.2, bench/browser).
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

/** Frames of large writes that compress, before the other way is tried for the first time. */
export const PROBE_AFTER_FRAMES = 8
/** Each try of the other way comes this many times later than the one before, up to the maximum. */
const PROBE_BACKOFF = 4
export const MAX_PROBE_AFTER_FRAMES = 512
/**
 * Frames a try of the other way is timed over. The first go at once into the buffers below (the
 * TLS write-behind, the socket's or the data channel's) where deflated frames left room, so a try
 * must be long enough for the link's own rate to weigh in.
 */
export const PROBE_FRAMES = 8
/**
 * Stored is taken only when it goes at least this many times as fast as deflated: deflating also
 * saves the link's bytes (and the TLS and transport work on them), and a try of stored is timed
 * high while the buffers fill. A browser's data channel (30-37 MB/s against CompressionStream's
 * 40 or so) stays deflated; loopback and a LAN (100-250 MB/s against node:zlib's 40) go stored.
 */
const STORED_MARGIN = 2
/**
 * A deflated frame that took longer than this many times its deflate waited for the link, which
 * is then slower than deflated frames: sending more bytes, stored, could not be faster there, so
 * such frames do not count towards the next try.
 */
const WAITED_FACTOR = 1.5
/** Weight of the newest frame in the running rate of the way in use. */
const NEWEST_WEIGHT = 0.5
/** Frames are timed to at least this: a coarse clock may not see a frame taken at once at all. */
const MIN_ELAPSED_MS = 0.01

type Way = 'deflated' | 'stored'
const otherWay = (way: Way): Way => (way === 'deflated' ? 'stored' : 'deflated')

export interface AdaptiveZlibOptions {
  /**
   * Whether to try sending what compresses stored, for links that may be much faster than deflate;
   * without it (the default), what compresses is always deflated.
   */
  readonly tryStored?: boolean
  /** Milliseconds, monotonic: what deflate calls are timed with (the same clock as `sent`'s). */
  readonly clock?: () => number
}

/** `codec` with the choices above, for one link. */
export function adaptiveZlib(codec: ZlibCodec, options: AdaptiveZlibOptions = {}): GzipCodec {
  const clock = options.clock ?? (() => performance.now())
  /** Bytes of input a millisecond of the writer's time, each way, for large writes that compress. */
  const rate: { deflated?: number; stored?: number } = {}
  let way: Way = 'deflated'
  /**
   * Set on a change: the first frame of the way changed to replaces its rate, which a try may have
   * measured high (its first frames went at once into a buffer the way before had left empty).
   */
  let fresh = false
  let framesSinceProbe = 0
  let probeAfter = PROBE_AFTER_FRAMES
  /** The other way being tried: its frames so far, with their bytes and milliseconds. */
  let probe: { frames: number; bytes: number; ms: number } | undefined
  /** The last large write that compresses, for `sent`: its bytes, which way it went, its deflate's time. */
  let last: { bytes: number; way: Way; deflateMs: number } | undefined

  const change = (to: Way): void => {
    way = to
    fresh = true
    framesSinceProbe = 0
  }
  /** The faster way by the rates known, stored only by STORED_MARGIN. */
  const faster = (): Way =>
    rate.stored !== undefined && rate.stored >= STORED_MARGIN * (rate.deflated ?? 0) ? 'stored' : 'deflated'
  const endProbe = (tried: Way, measured: number): void => {
    rate[tried] = measured
    probe = undefined
    framesSinceProbe = 0
    probeAfter = Math.min(MAX_PROBE_AFTER_FRAMES, probeAfter * PROBE_BACKOFF)
    if (faster() !== way) change(tried)
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
      // Nothing to time where stored is never tried: `sent` then has no frame to learn from.
      if (!options.tryStored) return codec.deflate(data)
      const how = probe ? otherWay(way) : way
      if (how === 'stored') {
        last = { bytes: data.byteLength, way: how, deflateMs: 0 }
        return storedZlibParts(data)
      }
      const started = clock()
      const whole = await codec.deflate(data)
      last = { bytes: data.byteLength, way: how, deflateMs: clock() - started }
      return whole
    },
    sent(elapsedMs) {
      const frame = last
      last = undefined
      if (!frame) return
      const ms = Math.max(elapsedMs, MIN_ELAPSED_MS)
      if (probe) {
        probe = { frames: probe.frames + 1, bytes: probe.bytes + frame.bytes, ms: probe.ms + ms }
        if (probe.frames >= PROBE_FRAMES) endProbe(frame.way, probe.bytes / probe.ms)
        return
      }
      rate[way] = fresh ? frame.bytes / ms : average(rate[way], frame.bytes / ms)
      fresh = false
      if (faster() !== way) return change(otherWay(way))
      if (frame.way === 'deflated' && ms > WAITED_FACTOR * frame.deflateMs) framesSinceProbe = 0
      else if (++framesSinceProbe >= probeAfter) probe = { frames: 0, bytes: 0, ms: 0 }
    },
    inflate: (data, maxOutputBytes) => codec.inflate(data, maxOutputBytes),
  }
}

function average(previous: number | undefined, rate: number): number {
  return previous === undefined ? rate : previous + NEWEST_WEIGHT * (rate - previous)
}
