import { TlsError } from './errors'

/**
 * A reader that checks as it goes: every read names what it expects, and a vector's length must be
 * consumed exactly (RFC 5246 §4.3 vectors: a length prefix, then that many bytes). Every failure is
 * a decode_error naming the field, so no malformed input gets past parsing.
 */
export class ByteReader {
  private offset = 0

  constructor(private readonly bytes: Uint8Array) {}

  get remaining(): number {
    return this.bytes.length - this.offset
  }

  uint8(what: string): number {
    this.need(1, what)
    return this.bytes[this.offset++] as number
  }

  uint16(what: string): number {
    this.need(2, what)
    const v = ((this.bytes[this.offset] as number) << 8) | (this.bytes[this.offset + 1] as number)
    this.offset += 2
    return v
  }

  uint24(what: string): number {
    this.need(3, what)
    const b = this.bytes
    const o = this.offset
    this.offset += 3
    return ((b[o] as number) << 16) | ((b[o + 1] as number) << 8) | (b[o + 2] as number)
  }

  /** A view, not a copy: callers that keep it must not let the buffer be reused. */
  bytesExact(length: number, what: string): Uint8Array {
    this.need(length, what)
    const v = this.bytes.subarray(this.offset, this.offset + length)
    this.offset += length
    return v
  }

  /** An opaque vector `<min..max>` with a 1-byte length prefix. */
  vector8(what: string, min = 0, max = 0xff): Uint8Array {
    return this.bounded(this.uint8(`${what} length`), min, max, what)
  }

  /** An opaque vector `<min..max>` with a 2-byte length prefix. */
  vector16(what: string, min = 0, max = 0xffff): Uint8Array {
    return this.bounded(this.uint16(`${what} length`), min, max, what)
  }

  /** A nested structure with a 2-byte length, read by `inner`, which must consume it exactly. */
  nested16<T>(what: string, inner: (r: ByteReader) => T): T {
    const r = new ByteReader(this.vector16(what))
    const v = inner(r)
    r.end(what)
    return v
  }

  /** Every byte must have been read: trailing bytes are a decode_error. */
  end(what: string): void {
    if (this.remaining !== 0)
      throw new TlsError('ERR_TLS_DECODE', `${what}: ${this.remaining} trailing bytes`)
  }

  private bounded(length: number, min: number, max: number, what: string): Uint8Array {
    if (length < min || length > max) {
      throw new TlsError('ERR_TLS_DECODE', `${what}: length ${length} outside ${min}..${max}`)
    }
    return this.bytesExact(length, what)
  }

  private need(n: number, what: string): void {
    if (this.offset + n > this.bytes.length) {
      throw new TlsError('ERR_TLS_DECODE', `${what}: needs ${n} bytes, ${this.remaining} left`)
    }
  }
}

/** A growing writer for handshake messages (small: never payload data). */
export class ByteWriter {
  private buf = new Uint8Array(256)
  private length = 0

  uint8(v: number): this {
    this.ensure(1)
    this.buf[this.length++] = v
    return this
  }

  uint16(v: number): this {
    return this.uint8(v >>> 8).uint8(v & 0xff)
  }

  uint24(v: number): this {
    return this.uint8(v >>> 16)
      .uint8((v >>> 8) & 0xff)
      .uint8(v & 0xff)
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length)
    this.buf.set(b, this.length)
    this.length += b.length
    return this
  }

  vector8(b: Uint8Array): this {
    if (b.length > 0xff) throw new TlsError('ERR_TLS_INTERNAL', `vector of ${b.length} bytes exceeds 255`)
    return this.uint8(b.length).bytes(b)
  }

  vector16(b: Uint8Array): this {
    if (b.length > 0xffff) throw new TlsError('ERR_TLS_INTERNAL', `vector of ${b.length} bytes exceeds 65535`)
    return this.uint16(b.length).bytes(b)
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length)
  }

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n))
    next.set(this.buf.subarray(0, this.length))
    this.buf = next
  }
}
