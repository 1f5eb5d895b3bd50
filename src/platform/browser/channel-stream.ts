/**
 * A ByteStream straight on an RTCDataChannel, in whichever realm holds the channel: the engine's
 * worker, when the page transferred the channel to it at creation (Chromium can; see
 * src/net/peer-manager.ts), or the page, where `src/net/data-channel-pump.ts` pipes it on to the
 * worker through a MessagePort. In the worker, a link's bytes never touch the page's main thread
 * and take no MessagePort hop each way (about a tenth of a sync's CPU, in bench/browser/profile.ts).
 *
 * Back-pressure: writes go out in messages of at most `maxMessageBytes` and wait while the
 * channel buffers more than `highWaterBytes`, until `bufferedamountlow`. Reads: the data channel
 * API has no way to stop receiving, so what arrives is queued until read; the peer's own sending
 * is what bounds it (its TLS and protocol layers wait for our replies).
 *
 * A data channel has no half-close, and ByteStream's `end()` is one, so an empty message stands for
 * it (SCTP carries empty binary messages; a byte stream never sends an empty chunk). The channel is
 * closed once both sides have sent theirs; RTCDataChannel's closing procedure still sends what is
 * queued. A channel closed by the other side ends the reads; a write after that fails with the
 * channel's own error. The bridge speaks the same convention (an empty message is a TCP FIN).
 */
import { StreamClosedError, type ByteStream } from '../../protocol/stream/byte-stream'
import { MessageStream } from './message-stream'

/** What the stream uses of an RTCDataChannel, so a fake (or a wrapped simple-peer channel) fits too. */
export interface DataChannelLike extends EventTarget {
  binaryType: string
  readonly bufferedAmount: number
  bufferedAmountLowThreshold: number
  readonly readyState: string
  send(data: ArrayBufferView<ArrayBuffer>): void
  close(): void
}

export interface ChannelStreamOptions {
  /** Largest message sent; 64 KiB is within Chromium's, Firefox's and libdatachannel's limits. */
  readonly maxMessageBytes?: number
  /** Sending pauses while the channel buffers more than this... */
  readonly highWaterBytes?: number
  /** ...until it drains to this. */
  readonly lowWaterBytes?: number
  /**
   * A promise while the far side asks us to hold off sending (the bridge's TCP side is full), else
   * undefined: the data channel's own buffer cannot tell us that.
   */
  readonly holdSending?: () => Promise<void> | undefined
}

export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024
/**
 * Sending resumes with 2 MiB still buffered, about 100 ms of a link at 20 MB/s: the engine's worker
 * that sends is also sealing, reading and framing, and on a loaded machine it may take that long
 * to get back to the channel; resuming at 256 KiB (about 10 ms) leaves the channel little to go on. (Chromium
 * closes a channel whose buffer passes 16 MiB; a write never adds more than one message past
 * the mark.) bench/browser: 81-83 ms of CPU a MB synced against 85-87 with 1 MiB / 256 KiB.
 */
export const DEFAULT_HIGH_WATER_BYTES = 4 * 1024 * 1024
export const DEFAULT_LOW_WATER_BYTES = 2 * 1024 * 1024

/** Resolves with the first of `types` the target fires. */
function once(target: EventTarget, types: readonly string[]): Promise<string> {
  return new Promise((resolve) => {
    const done = (event: Event): void => {
      for (const type of types) target.removeEventListener(type, done)
      resolve(event.type)
    }
    for (const type of types) target.addEventListener(type, done)
  })
}

export function channelStream(channel: DataChannelLike, options: ChannelStreamOptions = {}): ByteStream {
  return new ChannelStream(channel, options)
}

class ChannelStream extends MessageStream {
  private readonly maxMessageBytes: number
  private readonly highWaterBytes: number

  constructor(
    private readonly channel: DataChannelLike,
    private readonly options: ChannelStreamOptions,
  ) {
    super()
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
    this.highWaterBytes = options.highWaterBytes ?? DEFAULT_HIGH_WATER_BYTES
    channel.binaryType = 'arraybuffer'
    channel.bufferedAmountLowThreshold = options.lowWaterBytes ?? DEFAULT_LOW_WATER_BYTES
    channel.addEventListener('message', this.onMessage)
    channel.addEventListener('close', this.onClose)
    channel.addEventListener('error', this.onError)
  }

  private readonly onMessage = (event: Event): void => {
    if (this.done) return
    const data = (event as MessageEvent<unknown>).data
    if (!(data instanceof ArrayBuffer))
      this.close(new TypeError('data channel: a text message where only bytes are expected'))
    else if (data.byteLength > 0) this.received(new Uint8Array(data))
    else this.receivedEnd()
  }

  /** Closed by the other side (or by the connection going away): reads end after what is queued. */
  private readonly onClose = (): void => this.receivedEnd()

  private readonly onError = (event: Event): void => {
    const error = (event as Event & { error?: unknown }).error
    this.close(error instanceof Error ? error : new Error('data channel failed'))
  }

  protected async send(chunk: Uint8Array): Promise<void> {
    if (this.channel.readyState === 'connecting') await once(this.channel, ['open', 'close'])
    for (let at = 0; at < chunk.byteLength; at += this.maxMessageBytes) {
      if (this.channel.bufferedAmount > this.highWaterBytes)
        await once(this.channel, ['bufferedamountlow', 'close'])
      await this.options.holdSending?.()
      this.checkWritable()
      // send() copies the view's bytes; it throws once the channel is closed, and the stream
      // closes with that error: no layer above ever believes lost bytes were sent.
      this.sendOrClose(chunk.subarray(at, at + this.maxMessageBytes) as Uint8Array<ArrayBuffer>)
    }
  }

  private sendOrClose(message: Uint8Array<ArrayBuffer>): void {
    try {
      this.channel.send(message)
    } catch (err) {
      this.close(err as Error)
      throw new StreamClosedError(err as Error)
    }
  }

  protected sendEnd(): void {
    this.channel.send(new Uint8Array(0))
  }

  /** Nothing crosses a data channel but bytes: the other side sees it close. */
  protected sendClose(): void {
    this.channel.close()
  }

  /** Both sides have ended: the channel's closing procedure still delivers what is queued. */
  protected override finishGracefully(): void {
    this.channel.close()
    super.finishGracefully()
  }

  protected release(): void {
    this.channel.removeEventListener('message', this.onMessage)
    this.channel.removeEventListener('close', this.onClose)
    this.channel.removeEventListener('error', this.onError)
  }
}
