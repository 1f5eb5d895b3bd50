/**
 * The one transport shape every layer speaks: a reliable, ordered byte stream. A WebRTC data
 * channel, a TCP socket, a TLS-SRP session over either, and an in-memory pipe all implement it,
 * so the same protocol stack runs over every transport (DESIGN.md, "One protocol stack").
 *
 * Pull-based reads give back-pressure for free: nothing is read from the layer below until the
 * consumer asks. Writes resolve when the layer below has accepted the chunk.
 */
export interface ByteStream {
  /** The next chunk, or null once the other side has ended the stream. Never called concurrently. The chunk is the reader's: the stream never writes to it again. */
  read(): Promise<Uint8Array | null>
  /**
   * Resolves once the chunk is accepted; rejects if the stream is closed. The stream may hold on
   * to the chunk after that (unless it `releasesWrites`): do not reuse it. A write may be made
   * before the one before it resolves: chunks go in call order.
   */
  write(chunk: Uint8Array): Promise<void>
  /**
   * True when a write resolves only once the stream holds no reference to its chunk (it has been
   * copied, or handed to the system): then the writer may reuse the chunk.
   */
  readonly releasesWrites?: boolean
  /** Ends this side gracefully (a half-close); reads go on until the other side ends too. */
  end(): Promise<void>
  /** Tears down both directions at once; idempotent. An error says why, for the other layers' logs. */
  close(err?: Error): void
  /** Settles once the stream is fully closed, with the error that closed it, if any. */
  readonly closed: Promise<Error | undefined>
}

export class StreamClosedError extends Error {
  readonly code = 'ERR_STREAM_CLOSED'
  constructor(reason?: Error) {
    super(reason ? `stream closed: ${reason.message}` : 'stream closed', { cause: reason })
  }
}
