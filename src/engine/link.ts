/**
 * One authenticated connection to a peer of a share: the thin driver around the core session. It
 * reads wire messages from the TLS stream, feeds them to the sans-I/O `CoreSession`, carries out
 * what the session asks (send, store keys, open, close), and once the session is open hands every
 * other message to the share's extensions. Nothing here knows what a file or a record is.
 */
import {
  CoreSession,
  type RemotePeer,
  type SessionAction,
  type SessionConfig,
} from '../protocol/core/session'
import type { Keys } from '../protocol/core/messages'
import type { ByteStream } from '../protocol/stream/byte-stream'
import { WireReader, WireWriter, type ReceivedMessage, type WireBody } from '../protocol/wire'
import type { Payload } from '../protocol/wire/writer'
import type { AccessLevel } from '../protocol/core/messages'
import { gzipStream, type GzipCodec } from '../protocol/wire'
import { coalescingStream, type CoalescingStream, type Defer } from './coalescing-stream'

/** How often the session's keep-alive clock is checked. */
export const LINK_TICK_MS = 1_000

/** What an extension uses to talk on one link. */
export interface LinkSender {
  readonly id: string
  /** The access level of the key this connection authenticated with. */
  readonly access: AccessLevel
  readonly remote: RemotePeer
  /** The peer ID of the side that opened the connection (the TLS client). */
  readonly initiator: string
  send(body: WireBody, payload?: Payload): Promise<void>
  /** Repeats body bytes exactly as stored, with their signature (a signed update). */
  sendSigned(bodyBytes: Uint8Array, signature: string): Promise<void>
  close(reason: string): void
}

/** What a share does with an open link: receives its messages until it closes. */
export interface LinkHandler {
  receive(message: ReceivedMessage): Promise<void>
  closed(): void
}

export interface LinkOptions {
  id: string
  stream: ByteStream
  session: SessionConfig
  /** The access level of the key the connection authenticated with; known after a key exchange at the latest. */
  access: () => AccessLevel
  /** Stores keys received in an access-code exchange; the acknowledgment waits for it. */
  storeKeys?: (keys: Keys) => Promise<void>
  keysAcknowledged?: () => void
  /** Called once the session is open: the share attaches its extensions. */
  open: (sender: LinkSender) => LinkHandler
  log: (message: string) => void
  now?: () => number
  /** Compression for the gzip extension; offered only when the platform has it. */
  zlib?: GzipCodec
  /** When the writes of one turn of the event loop go down together (coalescing-stream.ts). */
  defer?: Defer
}

export class PeerLink {
  private reader: WireReader
  private writer: WireWriter
  private output: CoalescingStream
  private readonly session: CoreSession
  private readonly now: () => number
  private handler: LinkHandler | undefined
  private timer: ReturnType<typeof setInterval> | undefined
  private closeReason: string | undefined
  /** Session actions run one after another, in the order they were produced. */
  private actions: Promise<void> = Promise.resolve()

  constructor(private readonly options: LinkOptions) {
    this.now = options.now ?? Date.now
    this.reader = new WireReader(options.stream)
    // Until core.start is through, the framing may still change to gzip after any message.
    this.reader.messageAtATime = true
    this.output = coalescingStream(options.stream, options.defer)
    this.writer = new WireWriter(this.output)
    this.session = new CoreSession(options.session, this.now())
  }

  get remote(): RemotePeer | undefined {
    return this.session.remotePeer
  }

  get reason(): string | undefined {
    return this.closeReason
  }

  /** Runs the connection until it closes; resolves with the reason. Never rejects. */
  async run(): Promise<string> {
    this.timer = setInterval(() => void this.perform(this.session.tick(this.now())), LINK_TICK_MS)
    void this.perform(this.session.begin())
    try {
      for (let message = await this.reader.next(); message !== null; message = await this.reader.next()) {
        const actions = this.session.receive(message.body, this.now())
        await this.perform(actions.filter((a) => a.type !== 'deliver'))
        if (this.closeReason !== undefined) break
        if (actions.some((a) => a.type === 'deliver')) await this.handler?.receive(this.keepAlive(message))
      }
      this.close('the peer ended the connection')
    } catch (err) {
      this.close(err instanceof Error ? err.message : String(err))
    }
    return this.closeReason ?? 'closed'
  }

  close(reason: string): void {
    if (this.closeReason !== undefined) return
    this.closeReason = reason
    if (this.timer !== undefined) clearInterval(this.timer)
    this.options.log(`closed: ${reason}`)
    this.options.stream.close(new Error(reason))
    this.handler?.closed()
  }

  /** Queues the actions behind those already running (the timer's, a key exchange's). */
  private perform(actions: SessionAction[]): Promise<void> {
    for (const action of actions) this.actions = this.actions.then(() => this.act(action))
    this.actions = this.actions.catch((err: unknown) =>
      this.close(err instanceof Error ? err.message : String(err)),
    )
    return this.actions
  }

  private async act(action: SessionAction): Promise<void> {
    if (this.closeReason !== undefined) return
    switch (action.type) {
      case 'send':
        await this.writer.send(action.body as WireBody)
        return
      case 'compress':
        await this.compress()
        return
      case 'keys-received':
        if (!this.options.storeKeys) throw new Error('received keys on a connection that expects none')
        await this.options.storeKeys(action.keys)
        for (const next of this.session.keysStored(this.now())) await this.act(next)
        return
      case 'keys-acknowledged':
        this.options.keysAcknowledged?.()
        return
      case 'open':
        this.reader.messageAtATime = false
        this.options.log(
          `open with ${action.remote.peerId}${action.remote.name ? ` (${action.remote.name})` : ''}, ${action.remote.software}`,
        )
        this.handler = this.options.open(this.sender(action.remote))
        return
      case 'deliver':
        return // run() hands the message to the extensions once the other actions are done
      case 'log':
        this.options.log(action.message)
        return
      case 'close':
        this.close(`${action.code}: ${action.reason}`)
        return
    }
  }

  /**
   * gzip.md: "Once the connection is encrypted all future messages will be compressed", from the
   * first message after core.start in both directions (docs/protocol-notes/core.md). What we wrote
   * before goes out as it was; what the reader holds past core.start is the first gzip frames.
   */
  private async compress(): Promise<void> {
    const zlib = this.options.zlib
    if (!zlib) throw new Error('gzip was negotiated but this peer does not offer it')
    await this.output.flush()
    const rest = this.reader.detach()
    const compressed = gzipStream(prepend(rest, this.options.stream), zlib)
    this.reader = new WireReader(compressed)
    this.output = coalescingStream(compressed, this.options.defer)
    this.writer = new WireWriter(this.output)
    this.options.log('gzip on')
  }

  private sender(remote: RemotePeer): LinkSender {
    return {
      id: this.options.id,
      access: this.options.access(),
      remote,
      initiator: this.options.session.role === 'client' ? this.options.session.peerId : remote.peerId,
      send: (body, payload) => this.writer.send(body, payload === undefined ? {} : { payload }),
      sendSigned: (bodyBytes, signature) => this.writer.sendFrame(bodyBytes, { signature }),
      close: (reason) => this.close(reason),
    }
  }

  /** Wraps a payload so each chunk counts as proof of life for the keep-alive. */
  private keepAlive(message: ReceivedMessage): ReceivedMessage {
    const payload = message.payload
    if (payload === null) return message
    const session = this.session
    const now = this.now
    return {
      ...message,
      payload: {
        async *[Symbol.asyncIterator]() {
          for await (const chunk of payload) {
            session.heard(now())
            yield chunk
          }
        },
      },
    }
  }
}

/** `stream`, with `first` read before anything else (bytes an earlier reader took but did not use). */
function prepend(first: Uint8Array, stream: ByteStream): ByteStream {
  let pending: Uint8Array | undefined = first.byteLength > 0 ? first : undefined
  return {
    read: async () => {
      const chunk = pending
      pending = undefined
      return chunk ?? stream.read()
    },
    write: (chunk) => stream.write(chunk),
    end: () => stream.end(),
    close: (err) => stream.close(err),
    closed: stream.closed,
  }
}
