/**
 * The gzip extension's framing (gzip.md): once negotiated, every write is sent as
 * `<length>:<zlib deflate bytes>`, each frame one complete zlib stream. We apply it as a ByteStream
 * transform under the wire codec, so the wire reader and writer do not know it is there; a frame's
 * inflated bytes are just the next bytes of the wire stream, so frames need not line up with
 * messages on input. Our writer sends one frame per write: a message's header, body and signature
 * together, then one frame per payload chunk header and one per chunk. Frames of stored blocks
 * (what does not compress) are read here as views of what arrived (stored-zlib.ts); others are
 * joined and inflated by the platform.
 */
import type { ByteStream } from '../stream/byte-stream'
import { COLON, LengthParser, isAsciiDigit, isAsciiWhitespace } from './ascii'
import { concatBytes, utf8Encoder } from './bytes'
import { WireError, WireErrorCode, describeByte } from './errors'
import { MAX_BODY_BYTES, MAX_GAP_BYTES } from './limits'
import { storedZlibData } from './stored-zlib'
import type { GzipCodec } from './zlib-codec'

/**
 * Bound on one frame, compressed and inflated: a full body or chunk (16 MiB) plus room for its
 * header, signature, and deflate's worst-case growth on incompressible data.
 */
export const MAX_GZIP_FRAME_BYTES = MAX_BODY_BYTES + 64 * 1024

export interface GzipFrame {
  /** The frame's bytes as they arrived, in one or more pieces (views, not copies). */
  readonly pieces: readonly Uint8Array[]
  /** Stream offset of the frame's length digits. */
  readonly offset: number
}

/** Sans-I/O splitter of `<length>:<bytes>` frames; buffers at most one frame. */
export class GzipFrameDecoder {
  private readonly length = new LengthParser('gzip frame length', MAX_GZIP_FRAME_BYTES)
  private inData = false
  private pieces: Uint8Array[] = []
  private piecesBytes = 0
  private frameOffset = 0
  private base = 0
  private gapBytes = 0

  push(input: Uint8Array, emit: (frame: GzipFrame) => void): void {
    let i = 0
    while (i < input.byteLength) {
      if (!this.inData) {
        const byte = input[i]!
        const offset = this.base + i++
        // Whitespace before a frame (bounded as between wire elements): a peer whose body length
        // leaves out the newline sends core.start's newline after it, as the first gzip bytes.
        if (!this.length.hasDigits && isAsciiWhitespace(byte)) {
          if (++this.gapBytes > MAX_GAP_BYTES)
            throw new WireError(
              WireErrorCode.Flood,
              `more than ${MAX_GAP_BYTES} bytes of whitespace before a gzip frame`,
              offset,
            )
          continue
        }
        if (!this.length.hasDigits) this.frameOffset = offset
        if (isAsciiDigit(byte)) {
          this.length.addDigit(byte, offset)
          continue
        }
        this.length.finish(byte, offset)
        if (byte !== COLON) {
          throw new WireError(
            WireErrorCode.Gzip,
            `expected ':' after the gzip frame length, got ${describeByte(byte)}`,
            offset,
          )
        }
        if (this.length.value === 0) {
          throw new WireError(WireErrorCode.Gzip, 'a gzip frame of length 0 holds no zlib stream', offset)
        }
        this.inData = true
        this.gapBytes = 0
        continue
      }
      const take = Math.min(this.length.value - this.piecesBytes, input.byteLength - i)
      this.pieces.push(input.subarray(i, i + take))
      this.piecesBytes += take
      i += take
      if (this.piecesBytes === this.length.value) {
        emit({ pieces: this.pieces, offset: this.frameOffset })
        this.pieces = []
        this.piecesBytes = 0
        this.inData = false
        this.length.reset()
      }
    }
    this.base += input.byteLength
  }

  finish(): void {
    if (this.inData || this.length.hasDigits) {
      throw new WireError(
        WireErrorCode.Gzip,
        `the stream ended inside the gzip frame that began at byte ${this.frameOffset}`,
        this.base,
      )
    }
  }
}

/** Wraps a stream so that what is written is deflated into frames and what is read is inflated. */
export function gzipStream(inner: ByteStream, zlib: GzipCodec): ByteStream {
  const decoder = new GzipFrameDecoder()
  const inflated: Uint8Array[] = []
  let writes: Promise<unknown> = Promise.resolve()

  const fail = (err: unknown): never => {
    if (err instanceof WireError) inner.close(err)
    throw err
  }

  return {
    async read() {
      while (inflated.length === 0) {
        const chunk = await inner.read()
        const frames: GzipFrame[] = []
        try {
          if (chunk === null) {
            decoder.finish()
            return null
          }
          decoder.push(chunk, (frame) => void frames.push(frame))
        } catch (err) {
          fail(err)
        }
        for (const frame of frames) {
          const stored = storedZlibData(frame.pieces)
          if (stored) {
            inflated.push(...stored)
            continue
          }
          const bytes = await zlib
            .inflate(concatBytes(frame.pieces), MAX_GZIP_FRAME_BYTES)
            .catch((err: unknown) =>
              fail(
                new WireError(
                  WireErrorCode.Gzip,
                  `the gzip frame does not inflate to at most ${MAX_GZIP_FRAME_BYTES} bytes: ${String(err)}`,
                  frame.offset,
                  { cause: err },
                ),
              ),
            )
          if (bytes.byteLength > 0) inflated.push(bytes)
        }
      }
      return inflated.shift()!
    },
    write(chunk) {
      // Deflation is asynchronous; the queue keeps frames in the order they were written.
      const run = writes.then(async () => {
        const started = performance.now()
        const compressed = await zlib.deflate(chunk)
        const parts = compressed instanceof Uint8Array ? [compressed] : compressed
        const length = parts.reduce((sum, part) => sum + part.byteLength, 0)
        // The frame's parts go down in one turn: TLS below seals the writes made together as one
        // batch of full records. Awaiting each part let a batch go with a part or two in it: a
        // stored frame of 1 MiB then made three times the AES calls and twice the records.
        const header = utf8Encoder.encode(`${length}:`)
        await Promise.all([header, ...parts].map((part) => inner.write(part)))
        zlib.sent?.(performance.now() - started)
      })
      writes = run.catch(() => undefined)
      return run
    },
    end: async () => {
      await writes
      await inner.end()
    },
    close: (err) => inner.close(err),
    closed: inner.closed,
  }
}
