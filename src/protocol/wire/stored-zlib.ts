/**
 * zlib streams (RFC 1950) made only of stored deflate blocks (RFC 1951 section 3.2.4, BTYPE 00):
 * how the gzip extension carries what does not compress. They are written as parts that refer to
 * the data, and read back as views of the bytes received, so a megabyte of file data is never
 * copied into a frame or out of one; the Adler-32 is the only pass over it. Any other zlib stream
 * is left to the platform's inflater.
 */
import { adler32 } from './adler32'

const MAX_STORED_BLOCK_BYTES = 65_535
const BLOCK_HEADER_BYTES = 5
const ZLIB_HEADER_BYTES = 2
const ADLER_BYTES = 4
/** RFC 1950: CM 8 (deflate), CINFO 7, FLEVEL 0, FCHECK making the header a multiple of 31. */
const ZLIB_HEADER = [0x78, 0x01] as const
const CM_DEFLATE = 8
const FLG_FDICT = 0x20

/** `data` as one zlib stream of stored blocks, in parts: headers, views of `data`, the trailer. */
export function storedZlibParts(data: Uint8Array): Uint8Array[] {
  const blocks = Math.max(1, Math.ceil(data.byteLength / MAX_STORED_BLOCK_BYTES))
  // Every header and the trailer share one small buffer.
  const framing = new Uint8Array(ZLIB_HEADER_BYTES + blocks * BLOCK_HEADER_BYTES + ADLER_BYTES)
  framing.set(ZLIB_HEADER, 0)
  const parts: Uint8Array[] = []
  let headerStart = 0
  let at = ZLIB_HEADER_BYTES
  for (let block = 0; block < blocks; block++) {
    const start = block * MAX_STORED_BLOCK_BYTES
    const length = Math.min(MAX_STORED_BLOCK_BYTES, data.byteLength - start)
    framing[at++] = block === blocks - 1 ? 1 : 0 // BFINAL; BTYPE 00
    framing[at++] = length & 0xff
    framing[at++] = length >>> 8
    framing[at++] = ~length & 0xff
    framing[at++] = (~length >>> 8) & 0xff
    parts.push(framing.subarray(headerStart, at))
    if (length > 0) parts.push(data.subarray(start, start + length))
    headerStart = at
  }
  new DataView(framing.buffer).setUint32(at, adler32([data]))
  parts.push(framing.subarray(at))
  return parts
}

/** Reads bytes across the pieces a frame arrived in. */
class PieceCursor {
  private piece = 0
  private at = 0

  constructor(private readonly pieces: readonly Uint8Array[]) {}

  get atEnd(): boolean {
    this.skipEmpty()
    return this.piece === this.pieces.length
  }

  byte(): number | undefined {
    this.skipEmpty()
    const piece = this.pieces[this.piece]
    return piece === undefined ? undefined : piece[this.at++]
  }

  /** Appends the next `length` bytes to `into` as views of the pieces; false if fewer remain. */
  views(length: number, into: Uint8Array[]): boolean {
    let left = length
    while (left > 0) {
      this.skipEmpty()
      const piece = this.pieces[this.piece]
      if (piece === undefined) return false
      const take = Math.min(left, piece.byteLength - this.at)
      into.push(piece.subarray(this.at, this.at + take))
      this.at += take
      left -= take
    }
    return true
  }

  private skipEmpty(): void {
    while (this.piece < this.pieces.length && this.at === this.pieces[this.piece]!.byteLength) {
      this.piece++
      this.at = 0
    }
  }
}

/**
 * The data of a zlib stream made only of stored blocks, as views of `pieces`, once its Adler-32
 * checks. Undefined for anything else (a compressed block, a preset dictionary, a damaged or
 * truncated stream, bytes after it): the platform's inflater then reads it, or says what is wrong.
 */
export function storedZlibData(pieces: readonly Uint8Array[]): Uint8Array[] | undefined {
  const cursor = new PieceCursor(pieces)
  const cmf = cursor.byte()
  const flg = cursor.byte()
  if (cmf === undefined || flg === undefined) return undefined
  if ((cmf & 0x0f) !== CM_DEFLATE || cmf >>> 4 > 7 || ((cmf << 8) | flg) % 31 !== 0 || flg & FLG_FDICT)
    return undefined
  const data: Uint8Array[] = []
  for (let final = false; !final;) {
    const header = cursor.byte()
    if (header === undefined || (header >>> 1) & 3) return undefined
    final = (header & 1) === 1
    const [len0, len1, nlen0, nlen1] = [cursor.byte(), cursor.byte(), cursor.byte(), cursor.byte()]
    if (nlen1 === undefined) return undefined
    const length = len0! | (len1! << 8)
    if ((nlen0! | (nlen1 << 8)) !== (~length & 0xffff)) return undefined
    if (!cursor.views(length, data)) return undefined
  }
  let expected = 0
  for (let i = 0; i < ADLER_BYTES; i++) {
    const byte = cursor.byte()
    if (byte === undefined) return undefined
    expected = expected * 256 + byte
  }
  if (!cursor.atEnd || adler32(data) !== expected) return undefined
  return data
}
