/**
 * The one thin loop around TrackerClient: reads the ByteStream, feeds decoded messages and the
 * clock to the state machine, writes what it says to send in order, delivers its events, and pings
 * on time. Any error (framing, a bad message, the stream failing) closes the stream with it.
 */
import type { ByteStream } from '../stream/byte-stream'
import type { JsonObject } from '../wire/json-value'
import {
  TrackerClient,
  type TrackerClientEvent,
  type TrackerClientOptions,
  type TrackerClientState,
} from './client'
import { TrackerProtocolError } from './errors'
import { encodeTrackerMessage, TrackerMessageDecoder } from './framing'
import { parseTrackerMessage, toWire } from './messages'

/** Tracker messages are small; a peer list of MAX_PEERS_PER_LIST entries fits well inside this. */
export const CLIENT_MAX_MESSAGE_BYTES = 1024 * 1024

export interface TrackerClientDriverOptions extends TrackerClientOptions {
  onEvent: (event: TrackerClientEvent) => void
  /** Milliseconds; injectable for tests. */
  now?: () => number
}

export interface TrackerClientHandle {
  readonly state: TrackerClientState
  setIds(ids: ReadonlyMap<string, string>): void
  setAddresses(addresses: readonly string[]): void
  sendSignal(id: string, to: string, signal: JsonObject): void
  /** Idempotent; closes the stream too. */
  close(err?: Error): void
  /** Settles once closed, with the error that closed it, if any. */
  readonly closed: Promise<Error | undefined>
}

export function runTrackerClient(
  stream: ByteStream,
  options: TrackerClientDriverOptions,
): TrackerClientHandle {
  const now = options.now ?? (() => Date.now())
  const client = new TrackerClient(options)
  const decoder = new TrackerMessageDecoder(CLIENT_MAX_MESSAGE_BYTES)
  let writing: Promise<void> = Promise.resolve()
  let timer: ReturnType<typeof setTimeout> | undefined
  let settle: (err: Error | undefined) => void = () => {}
  const closed = new Promise<Error | undefined>((resolve) => (settle = resolve))

  const close = (err?: Error): void => {
    if (client.state === 'closed') return
    client.close()
    clearTimeout(timer)
    stream.close(err)
    settle(err)
  }

  const flush = (): void => {
    const { messages, events } = client.take()
    for (const msg of messages) {
      const bytes = encodeTrackerMessage(toWire(msg))
      writing = writing.then(() => stream.write(bytes))
    }
    writing = writing.catch((err: unknown) => close(asError(err)))
    for (const event of events) options.onEvent(event)
    schedulePing()
  }

  const schedulePing = (): void => {
    clearTimeout(timer)
    const due = client.pingDueAtMs()
    if (due === undefined) return
    timer = setTimeout(() => guard(() => client.tick(now())), Math.max(0, due - now()))
  }

  /** Runs one step against the state machine, then sends and delivers what it produced. */
  const guard = (step: () => void): void => {
    if (client.state === 'closed') return
    try {
      step()
      flush()
    } catch (err) {
      close(asError(err))
    }
  }

  const readLoop = async (): Promise<void> => {
    for (;;) {
      const chunk = await stream.read()
      if (chunk === null) {
        close(new TrackerProtocolError('the tracker ended the connection'))
        return
      }
      guard(() => {
        for (const obj of decoder.push(chunk)) client.handle(parseTrackerMessage(obj), now())
      })
      if (client.state === 'closed') return
    }
  }
  readLoop().catch((err: unknown) => close(asError(err)))

  return {
    get state() {
      return client.state
    },
    setIds: (ids) => guard(() => client.setIds(ids)),
    setAddresses: (addresses) => guard(() => client.setAddresses(addresses)),
    sendSignal: (id, to, signal) => {
      // A misuse (not started, ID not registered) is the caller's error, not the connection's.
      client.sendSignal(id, to, signal)
      flush()
    },
    close,
    closed,
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}
