/**
 * The incremental, sans-I/O wire decoder: feed it byte slices as they arrive, cut anywhere, and it
 * emits messages and payload slices in stream order. Headers, bodies and signatures are buffered
 * (bounded by the limits in ./limits); payload bytes never are: each payload event is a view into
 * the slice that was pushed, so a 4 GiB file passes through without a copy or a JavaScript loop
 * over its bytes. Model: js-libp2p-yamux `src/decode.ts`.
 *
 * Framing, per core.md and DESIGN.md "Protocol decisions" (docs/protocol-notes/wire.md):
 *   prefix  m | ! | s | $
 *   header  <body length> [":" <signature length>]   (decimal, right after the prefix)
 *   body    <body length> bytes, starting with "{"   (writers count one trailing "\n")
 *   [ws] signature   <signature length> base64 bytes          (s, $)
 *   [ws] chunk       <length> "\n" <length bytes>   ...       (!, $)
 *   [ws] "0\n"                                               (end of the payload)
 * where [ws] is ASCII whitespace, which readers skip between elements.
 */
import {
  CARRIAGE_RETURN,
  COLON,
  LengthParser,
  NEWLINE,
  OPEN_BRACE,
  isAsciiDigit,
  isAsciiWhitespace,
} from './ascii'
import { isBase64 } from './base64'
import { parseBody } from './body'
import { concatBytes } from './bytes'
import { WireError, WireErrorCode, describeByte } from './errors'
import {
  MAX_BODY_BYTES,
  MAX_CHUNK_BYTES,
  MAX_CONSECUTIVE_RUNT_CHUNKS,
  MAX_GAP_BYTES,
  MAX_SIGNATURE_BYTES,
  RUNT_CHUNK_BYTES,
} from './limits'
import {
  type WireBody,
  type WireEvent,
  type WireMessage,
  type WirePrefix,
  hasPayloadPrefix,
  isSignedPrefix,
} from './message'

type DecoderState =
  | 'between-messages'
  | 'body-length'
  | 'signature-length'
  | 'body'
  | 'before-signature'
  | 'signature'
  | 'before-chunk'
  | 'chunk-length'
  | 'chunk-newline'
  | 'chunk-data'

const PREFIXES: Readonly<Record<number, WirePrefix>> = { 0x6d: 'm', 0x21: '!', 0x73: 's', 0x24: '$' }

/** What a truncated stream was in the middle of, for the error. */
const STATE_NAMES: Readonly<Record<DecoderState, string>> = {
  'between-messages': 'nothing',
  'body-length': 'the body length',
  'signature-length': 'the signature length',
  body: 'the body',
  'before-signature': 'the space before the signature',
  signature: 'the signature',
  'before-chunk': 'the payload, before a chunk length',
  'chunk-length': 'a payload chunk length',
  'chunk-newline': 'the newline after a chunk length',
  'chunk-data': 'a payload chunk',
}

export class WireDecoder {
  private state: DecoderState = 'between-messages'
  /** Stream offset of the first byte of the slice being decoded. */
  private base = 0
  private failure: WireError | undefined

  private prefix: WirePrefix = 'm'
  private messageOffset = 0
  private readonly bodyLength = new LengthParser('body length', MAX_BODY_BYTES)
  private readonly signatureLength = new LengthParser('signature length', MAX_SIGNATURE_BYTES)
  private readonly chunkLength = new LengthParser('chunk length', MAX_CHUNK_BYTES)
  private gapBytes = 0

  /** Pieces of a body or signature that arrived split; copied, so the input slices can go. */
  private pieces: Uint8Array[] = []
  private piecesBytes = 0
  private bodyOffset = 0
  private bodyBytes: Uint8Array = new Uint8Array(0)
  /** The parsed body of a signed message, waiting for its signature. */
  private body: WireBody | undefined

  private chunkRemaining = 0
  private runtChunks = 0
  /**
   * When set, `push` returns right after a message that ends between messages (no payload), leaving
   * the rest of the slice undecoded: the bytes after core.start may be gzip frames (gzip.md).
   */
  stopAfterMessage = false
  private stopped = false

  /** Stream offset of the next byte the decoder expects. */
  get offset(): number {
    return this.base
  }

  /** True between messages, where the stream may end cleanly. */
  get idle(): boolean {
    return this.state === 'between-messages' && this.failure === undefined
  }

  /**
   * Decodes one slice and emits what it completes; returns how many bytes it took (all of them,
   * unless `stopAfterMessage` stopped it at a message's end). Throws a WireError at the first
   * fault, after emitting every event before it; the decoder then stays failed.
   */
  push(input: Uint8Array, emit: (event: WireEvent) => void): number {
    if (this.failure) throw this.failure
    try {
      const used = this.decode(input, emit)
      this.base += used
      return used
    } catch (err) {
      if (err instanceof WireError) this.failure = err
      throw err
    }
  }

  /** The stream has ended: that is only clean between messages. */
  finish(): void {
    if (this.failure) throw this.failure
    if (this.state !== 'between-messages') {
      this.failure = new WireError(
        WireErrorCode.Truncated,
        `the stream ended inside ${STATE_NAMES[this.state]} of the '${this.prefix}' message that began at byte ${this.messageOffset}`,
        this.base,
      )
      throw this.failure
    }
  }

  private decode(input: Uint8Array, emit: (event: WireEvent) => void): number {
    const end = input.byteLength
    let i = 0
    while (i < end) {
      if (this.stopped) {
        this.stopped = false
        return i
      }
      switch (this.state) {
        case 'between-messages': {
          const byte = input[i]!
          if (isAsciiWhitespace(byte)) {
            this.skipGap(i++)
            break
          }
          const prefix = PREFIXES[byte]
          if (prefix === undefined) {
            throw new WireError(
              WireErrorCode.Prefix,
              `expected a message prefix (m ! s $), got ${describeByte(byte)}`,
              this.base + i,
            )
          }
          this.prefix = prefix
          this.messageOffset = this.base + i
          this.bodyLength.reset()
          this.signatureLength.reset()
          this.state = 'body-length'
          i++
          break
        }
        case 'body-length': {
          const byte = input[i]!
          if (isAsciiDigit(byte)) {
            this.bodyLength.addDigit(byte, this.base + i++)
            break
          }
          this.bodyLength.finish(byte, this.base + i)
          if (isSignedPrefix(this.prefix)) {
            if (byte !== COLON) {
              throw new WireError(
                WireErrorCode.Header,
                `expected ':' and the signature length after the body length of a '${this.prefix}' message, got ${describeByte(byte)}`,
                this.base + i,
              )
            }
            this.state = 'signature-length'
            i++
          } else {
            this.startBody(this.base + i)
          }
          break
        }
        case 'signature-length': {
          const byte = input[i]!
          if (isAsciiDigit(byte)) {
            this.signatureLength.addDigit(byte, this.base + i++)
            break
          }
          if (this.signatureLength.finish(byte, this.base + i) === 0) {
            throw new WireError(WireErrorCode.Length, 'the signature length is 0', this.base + i)
          }
          this.startBody(this.base + i)
          break
        }
        case 'body': {
          const length = this.bodyLength.value
          if (this.piecesBytes === 0) {
            if (input[i] !== OPEN_BRACE) {
              throw new WireError(
                WireErrorCode.Body,
                `the body must start with '{', got ${describeByte(input[i]!)}`,
                this.base + i,
              )
            }
            if (end - i >= length) {
              // The common case: the whole body is in this slice, so it is a view, not a copy.
              this.bodyBytes = input.subarray(i, i + length)
              i += length
              this.endBody(emit)
              break
            }
          }
          i = this.collect(input, i, length)
          if (this.piecesBytes === length) {
            this.bodyBytes = this.takePieces()
            this.endBody(emit)
          }
          break
        }
        case 'before-signature': {
          const byte = input[i]!
          if (isAsciiWhitespace(byte)) {
            this.skipGap(i++)
            break
          }
          this.state = 'signature'
          break
        }
        case 'signature': {
          i = this.collect(input, i, this.signatureLength.value)
          if (this.piecesBytes === this.signatureLength.value) {
            const signatureOffset = this.base + i - this.piecesBytes
            // Base64 is ASCII; latin1-style decoding keeps a stray byte visible in the error.
            const signature = String.fromCharCode(...this.takePieces())
            if (!isBase64(signature)) {
              throw new WireError(
                WireErrorCode.Signature,
                `the ${signature.length}-byte signature is not base64`,
                signatureOffset,
              )
            }
            this.emitMessage(signature, emit)
          }
          break
        }
        case 'before-chunk': {
          const byte = input[i]!
          if (isAsciiWhitespace(byte)) {
            this.skipGap(i++)
            break
          }
          this.chunkLength.reset()
          this.state = 'chunk-length'
          break
        }
        case 'chunk-length': {
          const byte = input[i]!
          if (isAsciiDigit(byte)) {
            this.chunkLength.addDigit(byte, this.base + i++)
            break
          }
          this.chunkLength.finish(byte, this.base + i)
          if (byte === CARRIAGE_RETURN) {
            this.state = 'chunk-newline'
            i++
            break
          }
          this.expectChunkNewline(byte, this.base + i++, emit)
          break
        }
        case 'chunk-newline': {
          this.expectChunkNewline(input[i]!, this.base + i++, emit)
          break
        }
        case 'chunk-data': {
          const take = Math.min(this.chunkRemaining, end - i)
          emit({ kind: 'payload', data: input.subarray(i, i + take) })
          i += take
          this.chunkRemaining -= take
          if (this.chunkRemaining === 0) this.state = 'before-chunk'
          break
        }
      }
    }
    this.stopped = false
    return end
  }

  /** Whitespace between elements is skipped, up to a bound: it carries nothing and costs us time. */
  private skipGap(index: number): void {
    if (++this.gapBytes > MAX_GAP_BYTES) {
      throw new WireError(
        WireErrorCode.Flood,
        `more than ${MAX_GAP_BYTES} bytes of whitespace between two elements`,
        this.base + index,
      )
    }
  }

  private startBody(offset: number): void {
    if (this.bodyLength.value === 0) {
      throw new WireError(WireErrorCode.Length, "the body length is 0, but a body is at least '{}'", offset)
    }
    this.bodyOffset = offset
    this.state = 'body'
  }

  /** Copies up to `length - piecesBytes` bytes from input[i..] into the pieces; returns the new index. */
  private collect(input: Uint8Array, i: number, length: number): number {
    const take = Math.min(length - this.piecesBytes, input.byteLength - i)
    this.pieces.push(input.slice(i, i + take))
    this.piecesBytes += take
    return i + take
  }

  private takePieces(): Uint8Array {
    const whole = this.pieces.length === 1 ? this.pieces[0]! : concatBytes(this.pieces)
    this.pieces = []
    this.piecesBytes = 0
    return whole
  }

  private endBody(emit: (event: WireEvent) => void): void {
    this.body = parseBody(this.bodyBytes, this.bodyOffset)
    this.gapBytes = 0
    if (isSignedPrefix(this.prefix)) this.state = 'before-signature'
    else this.emitMessage(null, emit)
  }

  private emitMessage(signature: string | null, emit: (event: WireEvent) => void): void {
    const body = this.body!
    // One literal of one shape: this runs once per message, and spreads were its main cost.
    const message: WireMessage = {
      prefix: this.prefix,
      type: body.type,
      body,
      bodyBytes: this.bodyBytes,
      signature,
      hasPayload: hasPayloadPrefix(this.prefix),
      offset: this.messageOffset,
    }
    this.body = undefined
    this.gapBytes = 0
    this.runtChunks = 0
    this.state = message.hasPayload ? 'before-chunk' : 'between-messages'
    this.stopped = this.stopAfterMessage && !message.hasPayload
    emit({ kind: 'message', message })
  }

  /** A chunk length ends with "\n" (or "\r\n"), never other whitespace: the data may begin with any byte. */
  private expectChunkNewline(byte: number, offset: number, emit: (event: WireEvent) => void): void {
    if (byte !== NEWLINE) {
      throw new WireError(
        WireErrorCode.Header,
        `expected a newline after the chunk length ${this.chunkLength.value}, got ${describeByte(byte)}`,
        offset,
      )
    }
    this.gapBytes = 0
    const length = this.chunkLength.value
    if (length === 0) {
      this.state = 'between-messages'
      emit({ kind: 'payload-end' })
      return
    }
    if (length < RUNT_CHUNK_BYTES && ++this.runtChunks > MAX_CONSECUTIVE_RUNT_CHUNKS) {
      throw new WireError(
        WireErrorCode.Flood,
        `more than ${MAX_CONSECUTIVE_RUNT_CHUNKS} payload chunks in a row smaller than ${RUNT_CHUNK_BYTES} bytes`,
        offset,
      )
    }
    if (length >= RUNT_CHUNK_BYTES) this.runtChunks = 0
    this.chunkRemaining = length
    this.state = 'chunk-data'
  }
}
