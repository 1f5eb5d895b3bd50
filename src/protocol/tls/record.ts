import { ContentType, MAX_CIPHERTEXT_BYTES, RECORD_HEADER_BYTES, TLS_1_2 } from './constants'
import { TlsError } from './errors'

/**
 * Record framing (RFC 5246 §6.2.1), synchronous: bytes in, whole records out. Each record is
 * copied once into its own buffer with room around it, so the cipher can prepend the sequence
 * number for the MAC and append one block for the padding trick without copying again.
 */

/** Room before the header: the 8-byte sequence number the MAC covers (RFC 5246 §6.2.3.1). */
export const RECORD_HEADROOM_BYTES = 8
/** Room after the fragment: one AES block (see cipher.ts, decrypt). */
export const RECORD_TAILROOM_BYTES = 16
/** Offset of the fragment in a record's buffer. */
export const FRAGMENT_OFFSET = RECORD_HEADROOM_BYTES + RECORD_HEADER_BYTES

export interface RawRecord {
  readonly type: ContentType
  /** [headroom][5-byte header][fragment][tailroom] */
  readonly buffer: Uint8Array
  readonly length: number
}

export function fragmentOf(r: RawRecord): Uint8Array {
  return r.buffer.subarray(FRAGMENT_OFFSET, FRAGMENT_OFFSET + r.length)
}

const CONTENT_TYPES: ReadonlySet<number> = new Set(Object.values(ContentType))

export class RecordDecoder {
  private readonly chunks: Uint8Array[] = []
  private buffered = 0
  private readonly header = new Uint8Array(RECORD_HEADER_BYTES)

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
    const buffer = new Uint8Array(
      RECORD_HEADROOM_BYTES + RECORD_HEADER_BYTES + length + RECORD_TAILROOM_BYTES,
    )
    this.take(buffer.subarray(RECORD_HEADROOM_BYTES, FRAGMENT_OFFSET + length))
    return { type: type as ContentType, buffer, length }
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

  private take(into: Uint8Array): void {
    let filled = 0
    while (filled < into.length) {
      const c = this.chunks[0] as Uint8Array
      const n = Math.min(c.length, into.length - filled)
      into.set(n === c.length ? c : c.subarray(0, n), filled)
      filled += n
      if (n === c.length) this.chunks.shift()
      else this.chunks[0] = c.subarray(n)
    }
    this.buffered -= into.length
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
