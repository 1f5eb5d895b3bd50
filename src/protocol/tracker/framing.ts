/**
 * The wire framing as the tracker uses it: tracker messages are plain `m` messages
 * (`m<length>{json}\n`), encoded and decoded by src/protocol/wire. What this adds is the
 * tracker's own rules on top: no payloads or signatures, and a body bound far below the draft's
 * 16 MiB, so a server holding thousands of connections cannot be made to buffer megabytes for one.
 */
import { WireDecoder } from '../wire/decoder'
import { encodeMessage } from '../wire/encoder'
import { WireError } from '../wire/errors'
import type { WireBody, WireMessage } from '../wire/message'
import { TrackerFramingError } from './errors'

/** Room for a header (prefix and up to eight digits) and whitespace around a body. */
const HEADER_SLACK_BYTES = 64

export function encodeTrackerMessage(body: WireBody): Uint8Array {
  return encodeMessage(body)
}

/** Incremental reader: bytes in, in any split, whole message bodies out. */
export class TrackerMessageDecoder {
  private readonly wire = new WireDecoder()
  /** Stream offset where the message being read cannot have started before. */
  private boundary = 0

  constructor(private readonly maxBodyBytes: number) {}

  /** Throws TrackerFramingError on bytes that are not tracker messages; the stream is then unusable. */
  push(chunk: Uint8Array): WireBody[] {
    const bodies: WireBody[] = []
    try {
      this.wire.push(chunk, (event) => {
        if (event.kind !== 'message') return
        bodies.push(this.accept(event.message))
      })
    } catch (err) {
      if (err instanceof WireError)
        throw new TrackerFramingError(err.message, 'ERR_TRACKER_FRAMING', { cause: err })
      throw err
    }
    if (this.wire.idle) this.boundary = this.wire.offset
    // The wire decoder allows 16 MiB; checked per chunk, so at most one chunk (a WebSocket message, a socket read) beyond ours is held.
    const partial = this.wire.offset - this.boundary
    if (partial > this.maxBodyBytes + HEADER_SLACK_BYTES) {
      throw new TrackerFramingError(
        `message length exceeds maximum ${this.maxBodyBytes} bytes (${partial} bytes and not complete)`,
        'ERR_TRACKER_TOO_LARGE',
      )
    }
    return bodies
  }

  private accept(message: WireMessage): WireBody {
    if (message.prefix !== 'm') {
      throw new TrackerFramingError(
        `message prefix '${message.prefix}': tracker messages are plain 'm' messages, without payload or signature`,
      )
    }
    if (message.bodyBytes.byteLength > this.maxBodyBytes) {
      throw new TrackerFramingError(
        `message length ${message.bodyBytes.byteLength} exceeds maximum ${this.maxBodyBytes} bytes`,
        'ERR_TRACKER_TOO_LARGE',
      )
    }
    this.boundary = message.offset + message.bodyBytes.byteLength
    return message.body
  }
}
