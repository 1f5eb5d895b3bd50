import { isSha256Hex } from './file-value'

/**
 * Presence bloom filters (directory.md, "File Presence"). "Since the SHA256 of the file is already
 * computed, no further hashing is necessary. The first 32-bits of the SHA256 checksum is used to
 * set the first bit, the second 32-bits used to set the second bit, etc. This means that `k` can
 * be between 1 and 8." The filter's size "is used as a modulus to map the parts of the SHA256 to
 * different bits".
 *
 * Our reading of what the draft leaves open:
 * - The modulus is the attachment's length in bits (bytes x 8): the message carries only
 *   `k_value`, so the size must come from the attachment itself.
 * - Bit i is in byte i >> 3, under mask 1 << (i & 7) (least significant bit first).
 * - The special values are one-byte attachments: 0xff "tells its peer to probe for files it needs
 *   using trial and error", 0x00 means "not to ask for any files, unless overridden by a
 *   `directory.present` message". Read as ordinary 8-bit filters they mean the same thing (every
 *   bit set: anything may be present; none set: nothing is), so no special case is needed when
 *   reading, and we never send a real filter of one byte.
 */
export const MIN_K = 1
export const MAX_K = 8
/** The draft's attachment limit (DESIGN.md: 16 MiB per chunk and per body). */
export const MAX_BLOOM_BYTES = 16 * 1024 * 1024
/** The false-positive rate we size for: one needless `get` answered `not_present` per 100 files. */
export const TARGET_FALSE_POSITIVE_RATE = 0.01
/** Never send fewer than this many bytes for a real filter, so it cannot read as a special value. */
export const MIN_BLOOM_BYTES = 8

export const PROBE_EVERYTHING = Uint8Array.of(0xff)
export const NOTHING_PRESENT = Uint8Array.of(0x00)

export class BloomError extends Error {
  readonly code = 'ERR_BLOOM'
}

export function checkK(k: unknown): number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < MIN_K || k > MAX_K) {
    throw new BloomError(`k_value ${String(k)} is not an integer from ${MIN_K} to ${MAX_K}`)
  }
  return k
}

/** The bit numbers a file sets: the i-th big-endian 32-bit word of its SHA-256, modulo the bit count. */
export function bloomBits(sha256: string, k: number, bitCount: number): number[] {
  if (!isSha256Hex(sha256)) throw new BloomError(`${JSON.stringify(sha256)} is not a lowercase hex SHA-256`)
  const bits: number[] = []
  for (let i = 0; i < k; i++) bits.push(parseInt(sha256.slice(i * 8, i * 8 + 8), 16) % bitCount)
  return bits
}

const hasBit = (bytes: Uint8Array, bit: number): boolean => ((bytes[bit >> 3] ?? 0) & (1 << (bit & 7))) !== 0

/**
 * The size and k for `files` distinct contents: m = -n ln p / (ln 2)^2 bits and k = (m / n) ln 2,
 * the textbook optimum, with k held to 1..8 and m to whole bytes between MIN_BLOOM_BYTES and
 * MAX_BLOOM_BYTES. At 1% that is about 1.2 bytes per file and k = 7.
 */
export function bloomSize(
  files: number,
  falsePositiveRate = TARGET_FALSE_POSITIVE_RATE,
): { bytes: number; k: number } {
  const n = Math.max(1, files)
  const bits = Math.ceil((-n * Math.log(falsePositiveRate)) / Math.LN2 ** 2)
  const bytes = Math.min(MAX_BLOOM_BYTES, Math.max(MIN_BLOOM_BYTES, Math.ceil(bits / 8)))
  const k = Math.min(MAX_K, Math.max(MIN_K, Math.round(((bytes * 8) / n) * Math.LN2)))
  return { bytes, k }
}

/** A peer's presence as received in `directory.bloom_filter`: answers "may it have this file?". */
export class PresenceFilter {
  private constructor(
    readonly k: number,
    readonly bytes: Uint8Array,
  ) {}

  /** Checks `k_value` and the attachment; the attachment is kept, not copied. */
  static fromMessage(kValue: unknown, attachment: Uint8Array): PresenceFilter {
    if (attachment.byteLength === 0) throw new BloomError('a bloom filter attachment is at least one byte')
    if (attachment.byteLength > MAX_BLOOM_BYTES) {
      throw new BloomError(`bloom filter of ${attachment.byteLength} bytes exceeds ${MAX_BLOOM_BYTES}`)
    }
    return new PresenceFilter(checkK(kValue), attachment)
  }

  /** The 0xff value: probe for everything. */
  get probesEverything(): boolean {
    return this.bytes.byteLength === 1 && this.bytes[0] === 0xff
  }

  mayHave(sha256: string): boolean {
    return bloomBits(sha256, this.k, this.bytes.byteLength * 8).every((bit) => hasBit(this.bytes, bit))
  }
}

/**
 * "A counting bloom filter can be kept in memory. This can then be compressed down to a normal
 * bloom filter for transmittal." One 16-bit counter per bit, so files can be removed as well as
 * added; a counter that would overflow sticks at its maximum (and its bit then stays set: a false
 * positive, never a false negative).
 */
export class CountingBloomFilter {
  private readonly counters: Uint16Array
  private count = 0

  constructor(
    readonly bytes: number,
    readonly k: number,
  ) {
    checkK(k)
    if (!Number.isInteger(bytes) || bytes < 1 || bytes > MAX_BLOOM_BYTES) {
      throw new BloomError(`bloom filter size ${bytes} bytes is outside 1..${MAX_BLOOM_BYTES}`)
    }
    this.counters = new Uint16Array(bytes * 8)
  }

  /** A filter sized for `files` contents (see `bloomSize`). */
  static forFiles(files: number, falsePositiveRate?: number): CountingBloomFilter {
    const { bytes, k } = bloomSize(files, falsePositiveRate)
    return new CountingBloomFilter(bytes, k)
  }

  /** How many contents are in the filter: when it passes the size planned for, rebuild larger. */
  get size(): number {
    return this.count
  }

  add(sha256: string): void {
    for (const bit of bloomBits(sha256, this.k, this.counters.length)) {
      if (this.counters[bit] !== 0xffff) this.counters[bit] = (this.counters[bit] ?? 0) + 1
    }
    this.count++
  }

  /** Only for a content that was added: removing anything else would cause false negatives. */
  remove(sha256: string): void {
    for (const bit of bloomBits(sha256, this.k, this.counters.length)) {
      const counter = this.counters[bit] ?? 0
      if (counter !== 0 && counter !== 0xffff) this.counters[bit] = counter - 1
    }
    this.count--
  }

  /** The plain filter to attach to `directory.bloom_filter`; an empty filter is the 0x00 value. */
  toAttachment(): Uint8Array {
    if (this.count === 0) return NOTHING_PRESENT.slice()
    const out = new Uint8Array(this.bytes)
    this.counters.forEach((counter, bit) => {
      if (counter !== 0) out[bit >> 3] = (out[bit >> 3] ?? 0) | (1 << (bit & 7))
    })
    return out
  }
}
