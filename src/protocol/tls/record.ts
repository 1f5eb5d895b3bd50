import { ContentType, MAX_CIPHERTEXT_BYTES, RECORD_HEADER_BYTES, TLS_1_2 } from './constants'
import { TlsError } from './errors'

/**
 * Record framing (RFC 5246 §6.2.1), synchronous: bytes in, whole records out. A record that lies
 * whole in one chunk is a view of it: a chunk read from a ByteStream is the reader's, never
 * written again, and nothing here or in the cipher writes to a record's bytes. Copying every
 * record cost each receiver a memcpy of everything received (about 0.1 s of CPU a GiB); it was
 * kept for failures that turned out to be SRP salts with a leading zero byte (srp.ts).
 *
 * A record split across chunks is copied, into buffers of ARENA_BYTES carved end to end, each part
 * given out once and never written again: a fresh buffer per record (16 KiB) cost Chromium about
 * as much CPU as the copy into it many times over (allocation, zeroing, collection).
 */
const ARENA_BYTES = 256 * 1024

export interface RawRecord {
  readonly type: ContentType
  /** The record's fragment: what follows its 5-byte header. */
  readonly fragment: Uint8Array
}

const CONTENT_TYPES: ReadonlySet<number> = new Set(Object.values(ContentType))

export class RecordDecoder {
  private readonly chunks: Uint8Array[] = []
  private buffered = 0
  private readonly header = new Uint8Array(RECORD_HEADER_BYTES)
  /** Where the next record is copied: `arena` from `carved` on. */
  private arena = new Uint8Array(0)
  private carved = 0

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return
    this.chunks.push(chunk)
    this.buffered += chunk.length
  }

  /** The next whole record, or null until more bytes arrive. Throws on a header no record can have. */
  next(): RawRecord | null {
    if (this.buffered < RECORD_HEADER_BYTES) return null
    this.peek(this.header)
    const type = this.header[0] as number
    const major = this.header[1] as number
    const length = ((this.header[3] as number) << 8) | (this.header[4] as number)
    if (!CONTENT_TYPES.has(type))
      throw new TlsError('ERR_TLS_UNEXPECTED_MESSAGE', `record content type ${type} is unknown`)
    if (major !== TLS_1_2 >> 8)
      throw new TlsError('ERR_TLS_PROTOCOL_VERSION', `record version major ${major} is not 3`)
    if (length > MAX_CIPHERTEXT_BYTES) {
      throw new TlsError(
        'ERR_TLS_RECORD_OVERFLOW',
        `record length ${length} exceeds maximum ${MAX_CIPHERTEXT_BYTES}`,
      )
    }
    if (this.buffered < RECORD_HEADER_BYTES + length) return null
    this.skip(RECORD_HEADER_BYTES)
    return { type: type as ContentType, fragment: this.take(length) }
  }

  private peek(into: Uint8Array): void {
    let filled = 0
    for (const c of this.chunks) {
      const n = Math.min(c.length, into.length - filled)
      into.set(c.subarray(0, n), filled)
      filled += n
      if (filled === into.length) return
    }
  }

  /** The next `length` bytes: a view of the first chunk if it holds them all, else a copy in the arena. */
  private take(length: number): Uint8Array {
    const first = this.chunks[0]
    if (first && first.length >= length) {
      const view = first.subarray(0, length)
      this.advance(length)
      return view
    }
    if (this.arena.length - this.carved < length) {
      this.arena = new Uint8Array(ARENA_BYTES)
      this.carved = 0
    }
    const into = this.arena.subarray(this.carved, this.carved + length)
    this.carved += length
    let filled = 0
    while (filled < length) {
      const c = this.chunks[0] as Uint8Array
      const n = Math.min(c.length, length - filled)
      into.set(n === c.length ? c : c.subarray(0, n), filled)
      filled += n
      this.advance(n)
    }
    return into
  }

  private skip(length: number): void {
    let left = length
    while (left > 0) {
      const n = Math.min((this.chunks[0] as Uint8Array).length, left)
      this.advance(n)
      left -= n
    }
  }

  /** Drops `n` bytes, at most the first chunk's. */
  private advance(n: number): void {
    const c = this.chunks[0] as Uint8Array
    if (n === c.length) this.chunks.shift()
    else this.chunks[0] = c.subarray(n)
    this.buffered -= n
  }
}

/** A whole record with no protection (before the first ChangeCipherSpec). */
export function plaintextRecord(type: ContentType, fragment: Uint8Array): Uint8Array {
  const out = new Uint8Array(RECORD_HEADER_BYTES + fragment.length)
  writeHeader(out, 0, type, fragment.length)
  out.set(fragment, RECORD_HEADER_BYTES)
  return out
}

export function writeHeader(out: Uint8Array, at: number, type: number, length: number): void {
  out[at] = type
  out[at + 1] = TLS_1_2 >> 8
  out[at + 2] = TLS_1_2 & 0xff
  out[at + 3] = length >> 8
  out[at + 4] = length & 0xff
}
