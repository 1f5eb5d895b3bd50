/**
 * The page half of a data channel's trip to the engine worker, where the channel itself cannot go
 * there: the bridge's relay channels (which need `holdSending` from the page's control channel),
 * and browsers that cannot transfer an RTCDataChannel (peer-manager.ts transfers it where it can).
 * The channel's ByteStream (`channelStream`, src/platform/browser/channel-stream.ts) is piped both
 * ways into a MessagePort whose other end the worker wraps with `portStream`.
 *
 * Back-pressure both ways: towards the peer, the channel stream's writes wait while the channel
 * buffers more than its high-water mark, so the port grants the worker no more credit; towards the
 * worker, the port's credit window holds back our reads of the channel stream, which queues what
 * arrives meanwhile (the data channel API has no way to stop receiving; the peer's own sending is
 * what bounds it). A half-close crosses as one, and an error on either side closes both.
 */
import {
  channelStream,
  type ChannelStreamOptions,
  type DataChannelLike,
} from '../platform/browser/channel-stream'
import { portStream } from '../platform/browser/port-stream'
import { StreamClosedError, type ByteStream } from '../protocol/stream/byte-stream'

export type { DataChannelLike } from '../platform/browser/channel-stream'

export interface PumpOptions extends ChannelStreamOptions {
  /** The port stream's credit window towards the worker. */
  readonly windowBytes?: number
}

export interface ChannelPump {
  /** Settles when the pump stops, with the error that stopped it, if any. */
  readonly closed: Promise<Error | undefined>
  close(err?: Error): void
}

/** Copies `from` into `to` until `from` ends, then ends `to`; a failure of either closes both. */
async function pipe(from: ByteStream, to: ByteStream): Promise<void> {
  for (let chunk = await from.read(); chunk !== null; chunk = await from.read()) await to.write(chunk)
  await to.end()
}

export function pumpDataChannel(
  channel: DataChannelLike,
  port: MessagePort,
  options: PumpOptions = {},
): ChannelPump {
  const near = channelStream(channel, options)
  const far = portStream(port, options.windowBytes === undefined ? {} : { windowBytes: options.windowBytes })
  const close = (err?: Error): void => {
    near.close(err)
    far.close(err)
  }
  // Either side's own reason (a channel error, the worker's close) is what the other side hears,
  // not the "stream closed" a pipe's read or write meets afterwards.
  void near.closed.then((err) => err && far.close(err))
  void far.closed.then((err) => err && near.close(err))
  const failed = (err: unknown): void =>
    close(err instanceof StreamClosedError && err.cause instanceof Error ? err.cause : (err as Error))
  void pipe(near, far).catch(failed)
  void pipe(far, near).catch(failed)
  const closed = Promise.all([near.closed, far.closed]).then(([nearErr, farErr]) => nearErr ?? farErr)
  return { closed, close }
}
