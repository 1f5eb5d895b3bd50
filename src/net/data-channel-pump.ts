/**
 * The page half of a data channel's trip to the engine worker: RTCPeerConnection lives only on
 * the page's main thread, the engine in a worker, so each channel is pumped into a MessagePort
 * whose other end the worker wraps with `portStream` (src/platform/browser/port-stream.ts).
 *
 * Back-pressure both ways. Towards the peer: sending pauses while the channel buffers more than
 * `highWaterBytes`, and resumes on `bufferedamountlow`; meanwhile the worker's writes wait for
 * credit. Towards the worker: the worker grants credit as it reads; the data channel API has no
 * way to stop receiving, so until credit comes the page queues what arrives, and the peer's own
 * sending is what bounds it (its TLS and protocol layers wait for our replies).
 *
 * A data channel has no half-close, and ByteStream's `end()` is one, so an empty message stands for
 * it (SCTP carries empty binary messages; a byte stream never sends an empty chunk). The channel is
 * closed once both sides have sent theirs; RTCDataChannel's closing procedure still sends what is
 * queued. A channel closed by the other side ends the worker's reads too. The bridge speaks the
 * same convention (an empty message is a TCP FIN).
 */
import { portStream } from '../platform/browser/port-stream'

/** What the pump uses of an RTCDataChannel, so a fake (or a wrapped simple-peer channel) fits too. */
export interface DataChannelLike extends EventTarget {
  binaryType: string
  readonly bufferedAmount: number
  bufferedAmountLowThreshold: number
  readonly readyState: string
  send(data: ArrayBufferView<ArrayBuffer>): void
  close(): void
}

export interface PumpOptions {
  /** Largest message sent; 64 KiB is within Chromium's, Firefox's and libdatachannel's limits. */
  readonly maxMessageBytes?: number
  /** Sending pauses while the channel buffers more than this... */
  readonly highWaterBytes?: number
  /** ...until it drains to this. */
  readonly lowWaterBytes?: number
  /** The port stream's credit window towards the worker. */
  readonly windowBytes?: number
  /**
   * A promise while the far side asks us to hold off sending (the bridge's TCP side is full), else
   * undefined: the data channel's own buffer cannot tell us that.
   */
  readonly holdSending?: () => Promise<void> | undefined
}

export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024
export const DEFAULT_HIGH_WATER_BYTES = 1024 * 1024
export const DEFAULT_LOW_WATER_BYTES = 256 * 1024

export interface ChannelPump {
  /** Settles when the pump stops, with the error that stopped it, if any. */
  readonly closed: Promise<Error | undefined>
  close(err?: Error): void
}

function once(target: EventTarget, types: string[]): Promise<string> {
  return new Promise((resolve) => {
    const done = (event: Event): void => {
      for (const type of types) target.removeEventListener(type, done)
      resolve(event.type)
    }
    for (const type of types) target.addEventListener(type, done)
  })
}

export function pumpDataChannel(channel: DataChannelLike, port: MessagePort, options: PumpOptions = {}): ChannelPump {
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
  const highWaterBytes = options.highWaterBytes ?? DEFAULT_HIGH_WATER_BYTES
  channel.binaryType = 'arraybuffer'
  channel.bufferedAmountLowThreshold = options.lowWaterBytes ?? DEFAULT_LOW_WATER_BYTES
  const stream = portStream(port, options.windowBytes === undefined ? {} : { windowBytes: options.windowBytes })

  // Peer -> worker: each message's ArrayBuffer is transferred on, in order.
  let inbound = Promise.resolve()
  const forward = (task: () => Promise<void>): void => {
    inbound = inbound.then(task).catch((err: unknown) => stream.close(err as Error))
  }
  let sentEnd = false
  let receivedEnd = false
  const onMessage = (event: Event): void => {
    const data = (event as MessageEvent<unknown>).data
    if (!(data instanceof ArrayBuffer)) {
      stream.close(new TypeError('data channel: a text message where only bytes are expected'))
    } else if (data.byteLength > 0) {
      forward(() => stream.write(new Uint8Array(data)))
    } else {
      receivedEnd = true
      forward(() => stream.end())
      if (sentEnd) channel.close()
    }
  }
  const onClose = (): void => forward(() => stream.end())
  const onError = (event: Event): void => {
    const error = (event as Event & { error?: unknown }).error
    stream.close(error instanceof Error ? error : new Error('data channel failed'))
  }
  channel.addEventListener('message', onMessage)
  channel.addEventListener('close', onClose)
  channel.addEventListener('error', onError)

  // Worker -> peer, within the channel's buffer. send() throws once the channel is closed, and
  // the stream closes with that error: the worker never believes lost bytes were sent.
  const outbound = async (): Promise<void> => {
    if (channel.readyState === 'connecting') await once(channel, ['open', 'close'])
    for (let chunk = await stream.read(); chunk !== null; chunk = await stream.read()) {
      for (let at = 0; at < chunk.byteLength; at += maxMessageBytes) {
        if (channel.bufferedAmount > highWaterBytes) await once(channel, ['bufferedamountlow', 'close'])
        await options.holdSending?.()
        channel.send(chunk.subarray(at, at + maxMessageBytes) as Uint8Array<ArrayBuffer>)
      }
    }
    channel.send(new Uint8Array(0))
    sentEnd = true
    if (receivedEnd) channel.close()
  }
  const sending = outbound().catch((err: unknown) => stream.close(err as Error))

  // A graceful end closes the channel above, once both sides have ended; an error closes it at once.
  void stream.closed.then((err) => err && channel.close())
  const closed = Promise.all([stream.closed, sending]).then(([err]) => {
    channel.removeEventListener('message', onMessage)
    channel.removeEventListener('close', onClose)
    channel.removeEventListener('error', onError)
    return err
  })
  return { closed, close: (err) => stream.close(err) }
}
