/**
 * The thin async driver that reads messages from a ByteStream with a WireDecoder. Nothing is read
 * from the stream until the consumer asks for the next message or the next payload chunk, so a
 * slow consumer holds the sender back through the transport's own back-pressure.
 *
 * A payload must be read (or left) before the next message: `next()` skips whatever the consumer
 * did not read of the previous payload. A framing error closes the stream, since nothing after it
 * can be trusted, and is thrown to the consumer.
 */
import type { ByteStream } from '../stream/byte-stream'
import { WireDecoder } from './decoder'
import { WireError } from './errors'
import type { WireEvent, WireMessage } from './message'

export interface ReceivedMessage extends WireMessage {
  /** The payload's bytes as views, for `!` and `$`; null otherwise. Iterable once. */
  readonly payload: AsyncIterable<Uint8Array> | null
}

export class WireReader implements AsyncIterable<ReceivedMessage> {
  private readonly decoder = new WireDecoder()
  private events: WireEvent[] = []
  private nextEvent = 0
  private pendingError: unknown
  private ended = false
  /** True while a payload's events have not all been taken. */
  private inPayload = false
  /** Counts messages, so an old payload iterator cannot read a later message's payload. */
  private serial = 0
  /** Bytes read from the stream but not yet decoded (the decoder stopped at a message's end). */
  private leftover: Uint8Array | undefined

  constructor(private readonly stream: ByteStream) {}

  /**
   * Decode no further than the end of each message (without a payload), so that the framing can
   * change after one of them: gzip starts with the first message after core.start (gzip.md).
   * Costs a little per message; turn it off once the framing is settled.
   */
  set messageAtATime(on: boolean) {
    this.decoder.stopAfterMessage = on
  }

  /**
   * Hands back the bytes read but not decoded and stops reading: another reader (over gzip) takes
   * over the stream from here. Only between messages, with `messageAtATime` on.
   */
  detach(): Uint8Array {
    if (this.inPayload || this.nextEvent < this.events.length)
      throw new Error('wire reader: detach() only between messages, after the last one was read')
    const rest = this.leftover ?? new Uint8Array(0)
    this.leftover = undefined
    this.ended = true
    return rest
  }

  /** The next message, or null when the stream ended cleanly between messages. */
  async next(): Promise<ReceivedMessage | null> {
    while (this.inPayload) await this.nextPayloadChunk()
    const event = await this.pull()
    if (event === null) return null
    if (event.kind !== 'message') throw new Error(`wire reader: expected a message event, got ${event.kind}`)
    const { message } = event
    this.inPayload = message.hasPayload
    this.serial++
    const { prefix, type, body, bodyBytes, signature, hasPayload, offset } = message
    // A literal, not a spread: this runs once per message and spreads of this size are slow in V8.
    return {
      prefix,
      type,
      body,
      bodyBytes,
      signature,
      hasPayload,
      offset,
      payload: hasPayload ? this.payloadOf(this.serial) : null,
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ReceivedMessage> {
    for (let message = await this.next(); message !== null; message = await this.next()) yield message
  }

  private async *payloadOf(serial: number): AsyncGenerator<Uint8Array> {
    while (serial === this.serial) {
      const chunk = await this.nextPayloadChunk()
      if (chunk === null) return
      yield chunk
    }
  }

  /** The next slice of the current payload, or null at its end (also once it was skipped). */
  private async nextPayloadChunk(): Promise<Uint8Array | null> {
    if (!this.inPayload) return null
    const event = await this.pull()
    if (event?.kind === 'payload') return event.data
    this.inPayload = false
    if (event?.kind === 'payload-end') return null
    // The decoder never ends a stream, nor starts a message, inside a payload.
    throw new Error(`wire reader: expected a payload event, got ${event === null ? 'the end' : event.kind}`)
  }

  private async pull(): Promise<WireEvent | null> {
    while (this.nextEvent === this.events.length) {
      if (this.pendingError !== undefined) throw this.pendingError
      if (this.ended) return null
      this.events = []
      this.nextEvent = 0
      const chunk = this.leftover ?? (await this.stream.read())
      this.leftover = undefined
      const emit = (event: WireEvent): void => void this.events.push(event)
      try {
        if (chunk === null) {
          this.ended = true
          this.decoder.finish()
        } else {
          const used = this.decoder.push(chunk, emit)
          if (used < chunk.byteLength) this.leftover = chunk.subarray(used)
        }
      } catch (err) {
        // Events decoded before the fault are still delivered; the error comes after them.
        this.pendingError = err
        if (err instanceof WireError) this.stream.close(err)
      }
    }
    return this.events[this.nextEvent++]!
  }
}
