/**
 * A ByteStream over a MessagePort: how a WebRTC data channel's bytes, which only the page can
 * receive, reach the engine in its worker and back (DESIGN.md, "Where things run"). Both ends of
 * the MessageChannel wrap their port with `portStream`, so the stream is symmetric.
 *
 * No copies: a chunk that is a whole ArrayBuffer travels as a transferable (the writer's chunk is
 * detached, which the ByteStream contract allows: "do not reuse it"); only a view into a larger
 * buffer is copied, since transferring would detach the bytes around it.
 *
 * Back-pressure by credit: each reader grants its writer a window of bytes and grants more as its
 * consumer reads, so a writer waits in `write()` while the window is used up, and at most a window
 * (plus the one chunk that overdrew it) is ever queued in the port or at the reader.
 */
import { StreamClosedError, type ByteStream } from '../../protocol/stream/byte-stream'
import { MessageStream } from './message-stream'

/** The messages on the port; both ends speak all of them. */
export type PortMessage =
  | { readonly kind: 'data'; readonly bytes: ArrayBuffer }
  /** The reader consumed this many bytes: the writer may send as many more. */
  | { readonly kind: 'credit'; readonly bytes: number }
  /** The writer's half-close. */
  | { readonly kind: 'end' }
  /** Teardown of both directions, with the closing side's reason. */
  | { readonly kind: 'close'; readonly reason?: string }

export const DEFAULT_WINDOW_BYTES = 1024 * 1024

export interface PortStreamOptions {
  /** Bytes this end lets the other send ahead of its reads. */
  readonly windowBytes?: number
}

/** Whatever arrives on a port is checked before it is believed: a bad message closes the stream. */
export function parsePortMessage(data: unknown): PortMessage {
  if (typeof data === 'object' && data !== null && 'kind' in data) {
    const message = data as { kind: unknown; bytes?: unknown; reason?: unknown }
    switch (message.kind) {
      case 'data':
        if (message.bytes instanceof ArrayBuffer) return { kind: 'data', bytes: message.bytes }
        break
      case 'credit':
        if (typeof message.bytes === 'number' && Number.isSafeInteger(message.bytes) && message.bytes > 0)
          return { kind: 'credit', bytes: message.bytes }
        break
      case 'end':
        return { kind: 'end' }
      case 'close':
        return typeof message.reason === 'string'
          ? { kind: 'close', reason: message.reason }
          : { kind: 'close' }
    }
  }
  throw new TypeError(`port stream: unexpected message ${JSON.stringify(data)?.slice(0, 80) ?? String(data)}`)
}

/** The chunk's own buffer when it is all of it (transferred), else a copy of just its bytes. */
function transferable(chunk: Uint8Array): ArrayBuffer {
  const { buffer } = chunk
  if (buffer instanceof ArrayBuffer && chunk.byteOffset === 0 && chunk.byteLength === buffer.byteLength)
    return buffer
  return chunk.slice().buffer
}

export function portStream(port: MessagePort, options: PortStreamOptions = {}): ByteStream {
  return new PortStream(port, options.windowBytes ?? DEFAULT_WINDOW_BYTES)
}

class PortStream extends MessageStream {
  private credit = 0
  private creditWaiter: { resolve: () => void; reject: (err: Error) => void } | undefined
  private consumedUngranted = 0

  constructor(
    private readonly port: MessagePort,
    private readonly windowBytes: number,
  ) {
    super()
    port.onmessage = (event: MessageEvent<unknown>) => this.receive(event.data)
    port.onmessageerror = () => this.close(new Error('port stream: a message could not be deserialized'))
    this.post({ kind: 'credit', bytes: windowBytes })
  }

  private post(message: PortMessage, transfer: Transferable[] = []): void {
    this.port.postMessage(message, transfer)
  }

  private receive(data: unknown): void {
    if (this.done) return
    let message: PortMessage
    try {
      message = parsePortMessage(data)
    } catch (err) {
      this.close(err as Error)
      return
    }
    switch (message.kind) {
      case 'data':
        this.received(new Uint8Array(message.bytes))
        break
      case 'credit':
        this.credit += message.bytes
        this.creditWaiter?.resolve()
        break
      case 'end':
        this.receivedEnd()
        break
      case 'close':
        this.finish(new Error(`closed by the other end${message.reason ? `: ${message.reason}` : ''}`))
        break
    }
  }

  override async read(): Promise<Uint8Array | null> {
    const chunk = await super.read()
    if (chunk !== null) this.grant(chunk.byteLength)
    return chunk
  }

  /** Grants credit for what was read, in batches of a quarter window so credit messages stay few. */
  private grant(bytes: number): void {
    this.consumedUngranted += bytes
    if (this.consumedUngranted < this.windowBytes / 4 || this.done) return
    this.post({ kind: 'credit', bytes: this.consumedUngranted })
    this.consumedUngranted = 0
  }

  protected async send(chunk: Uint8Array): Promise<void> {
    if (chunk.byteLength === 0) return
    // A chunk larger than the credit left may overdraw it: never split (splitting would copy).
    while (this.credit <= 0) {
      await new Promise<void>((resolve, reject) => (this.creditWaiter = { resolve, reject }))
      this.creditWaiter = undefined
      this.checkWritable()
    }
    this.credit -= chunk.byteLength
    const bytes = transferable(chunk)
    this.post({ kind: 'data', bytes }, [bytes])
  }

  protected sendEnd(): void {
    this.post({ kind: 'end' })
  }

  protected sendClose(err: Error | undefined): void {
    this.post({ kind: 'close', ...(err ? { reason: err.message } : {}) })
  }

  protected release(err: Error | undefined): void {
    this.creditWaiter?.reject(new StreamClosedError(err))
    this.port.onmessage = null
    this.port.close()
  }
}
