/**
 * What a ByteStream over a message-passing transport has to keep, whichever the transport (a
 * MessagePort: `port-stream.ts`; an RTCDataChannel: `channel-stream.ts`): chunks that arrived,
 * queued for `read()`; writes sent one after another in call order; a half-close each way; and
 * one `finish` with the reason, once both sides have ended or either closed.
 *
 * A transport says how a chunk, the end and a close go out (`send`, `sendEnd`, `sendClose`) and
 * how to let go of it (`release`), and calls `received` / `receivedEnd` as the other side's come in.
 */
import { StreamClosedError, type ByteStream } from '../../protocol/stream/byte-stream'
import { ChunkQueue } from '../../protocol/stream/chunk-queue'

export abstract class MessageStream implements ByteStream {
  // The transport bounds what arrives (a credit window), or nothing can (a data channel): no bound here.
  private readonly incoming = new ChunkQueue(Number.POSITIVE_INFINITY)
  /** Writes go out one after another, in call order. */
  private writes: Promise<void> = Promise.resolve()
  private sentEnd = false
  private endReceived = false
  private failure: Error | undefined
  protected done = false
  private settle: (err: Error | undefined) => void = () => {}
  readonly closed = new Promise<Error | undefined>((resolve) => (this.settle = resolve))

  /** Sends one chunk (waiting for room first if the transport needs to); throws once it cannot. */
  protected abstract send(chunk: Uint8Array): Promise<void>
  /** Sends this side's half-close. */
  protected abstract sendEnd(): void
  /** Tells the other side that both directions are torn down (and why), if the transport can. */
  protected abstract sendClose(err: Error | undefined): void
  /** Lets go of the transport once finished: listeners off, waiters failed, a port closed. */
  protected abstract release(err: Error | undefined): void

  read(): Promise<Uint8Array | null> {
    return this.incoming.pull()
  }

  write(chunk: Uint8Array): Promise<void> {
    const write = this.writes.then(() => {
      this.checkWritable()
      return this.send(chunk)
    })
    this.writes = write.catch(() => undefined)
    return write
  }

  /** Throws the stream's failure (or the misuse) if nothing may be written now. */
  protected checkWritable(): void {
    if (this.failure || this.done) throw new StreamClosedError(this.failure)
    if (this.sentEnd) throw new StreamClosedError(new Error('write after end()'))
  }

  async end(): Promise<void> {
    await this.writes // what was written before end() goes first
    if (this.sentEnd || this.done) return
    this.sentEnd = true
    try {
      this.sendEnd()
    } catch (err) {
      this.close(err as Error)
      throw new StreamClosedError(err as Error)
    }
    if (this.endReceived) this.finishGracefully()
  }

  close(err?: Error): void {
    if (this.done) return
    this.sendClose(err)
    this.finish(err)
  }

  /** A chunk from the other side, for `read()`. */
  protected received(chunk: Uint8Array): void {
    void this.incoming.push(chunk)
  }

  /** The other side's half-close: reads end after what is queued. */
  protected receivedEnd(): void {
    this.endReceived = true
    this.incoming.end()
    if (this.sentEnd) this.finishGracefully()
  }

  /** Both sides have ended. */
  protected finishGracefully(): void {
    this.finish(undefined)
  }

  protected finish(err: Error | undefined): void {
    if (this.done) return
    this.done = true
    this.failure = err
    // After the other side ended, queued chunks are still the reader's; otherwise they are dropped.
    if (err || !this.endReceived) this.incoming.fail(err ?? new Error('closed'))
    this.release(err)
    this.settle(err)
  }
}
