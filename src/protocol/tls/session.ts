import { type ByteStream, StreamClosedError } from '../stream/byte-stream'
import { ClientHandshake, type TlsClientOptions } from './client-handshake'
import { TlsEngine } from './engine'
import { AlertDescription, TlsError, type TlsFailure, TlsTransportError, asTlsFailure } from './errors'
import type { HandshakeMachine, TlsParameters } from './handshake'
import { giveSealBuffer } from './seal-buffers'
import { SealPipeline } from './seal-pipeline'
import { ServerHandshake, type TlsServerOptions } from './server-handshake'

/**
 * The one async driver: it pumps bytes between a transport ByteStream and a TlsEngine, and hands
 * back the application data as another ByteStream. Back-pressure passes through with some slack
 * for throughput, since WebCrypto's calls cost more in waiting than in computing: reads open up
 * to OPENING_CHUNKS transport chunks at once while the consumer has taken what came before, and
 * writes are sealed SEALING_BATCHES at a time and resolve at once only while at most
 * WRITE_BEHIND_BYTES are still being sealed or queued.
 */

export interface TlsDriverOptions {
  /** The handshake fails with ERR_TLS_TIMEOUT if it takes longer (default 30 s). */
  readonly handshakeTimeoutMs?: number
  /** One trace line per handshake stage, prefixed with a per-connection id. */
  readonly log?: (line: string) => void
}

export interface TlsSession {
  /** Application data, both ways. `end()` sends close_notify; `read()` gives null after the peer's. */
  readonly stream: ByteStream
  readonly parameters: TlsParameters
}

const DEFAULT_HANDSHAKE_TIMEOUT_MS = 30_000
/** How much written data may be in flight (being sealed or queued) before write() waits. */
const WRITE_BEHIND_BYTES = 256 * 1024
/** Batches of written data being sealed at once. */
const SEALING_BATCHES = 3
/**
 * A batch holds at most this much: a write that would take it past is split there, so a stream
 * of writes goes as batches of 16 full records. Sealing 1 MiB at once cost Chromium's WebCrypto a
 * third more CPU per MB than 256-512 KiB did (bench/browser, parts), and smaller buffers are
 * cheaper to allocate everywhere.
 */
const BATCH_MAX_BYTES = 256 * 1024
/** Transport chunks being opened at once, and how much opened data may wait for the consumer. */
const OPENING_CHUNKS = 3
const READ_AHEAD_BYTES = 256 * 1024
/** How long a fatal alert may take to leave, and the peer to hang up, before we close anyway. */
const ALERT_GRACE_MS = 1_000

let nextConnectionId = 1

/** Runs a client handshake over `transport`. Rejects with a TlsFailure after sending its alert. */
export function connectTls(
  transport: ByteStream,
  options: TlsClientOptions & TlsDriverOptions,
): Promise<TlsSession> {
  const engine = new TlsEngine((sink) => new ClientHandshake(options, sink), false)
  return new TlsConnection(transport, engine, options).handshake()
}

/** Runs a server handshake over `transport`. Rejects with a TlsFailure after sending its alert. */
export async function acceptTls(
  transport: ByteStream,
  options: TlsServerOptions & TlsDriverOptions,
): Promise<TlsSession> {
  let machine: ServerHandshake | undefined
  let engine: TlsEngine
  try {
    engine = new TlsEngine((sink) => (machine = new ServerHandshake(options, sink)), true)
  } catch (err) {
    transport.close(err instanceof Error ? err : undefined) // bad options: nothing was sent
    throw err
  }
  try {
    const session = await new TlsConnection(transport, engine, options).handshake()
    if (machine?.attempt) options.rateLimiter?.report?.(machine.attempt, true)
    return session
  } catch (err) {
    if (machine?.attempt) options.rateLimiter?.report?.(machine.attempt, false)
    throw err
  }
}

class TlsConnection implements ByteStream {
  readonly closed: Promise<Error | undefined>
  private settleClosed: (err: Error | undefined) => void = () => {}
  private closedCleanly = false
  private failure: TlsFailure | undefined
  private readonly output: SealPipeline
  private ended = false
  /** Plaintext bytes write() has accepted whose records have not reached the transport yet. */
  private unsentBytes = 0
  /** Written chunks waiting for their batch's turn (none once it has begun), and that batch's send. */
  private openBatch: Uint8Array[] | undefined
  private openBatchBytes = 0
  private nextBatch: Promise<void> = Promise.resolve()
  /** A transport read is in progress (after the handshake). */
  private reading = false
  /** Transport chunks read whose records have not been acted on yet. */
  private opening = 0
  /** Wakes a read() waiting for records to be acted on, or for a failure. */
  private wake: (() => void) | undefined
  private readonly id = nextConnectionId++
  private readonly machine: HandshakeMachine

  constructor(
    private readonly transport: ByteStream,
    private readonly engine: TlsEngine,
    private readonly options: TlsDriverOptions,
  ) {
    this.machine = engine.machine
    // Sealed records from the pool go back to it once the transport has let go of them.
    this.output = new SealPipeline(
      (bytes) => transport.write(bytes).then(() => giveSealBuffer(bytes)),
      SEALING_BATCHES,
    )
    this.closed = new Promise((resolve) => (this.settleClosed = resolve))
    // A local close() without an error is a clean close, whatever the transport says.
    transport.closed.then((err) => this.settleClosed(this.closedCleanly ? undefined : (this.failure ?? err)))
  }

  async handshake(): Promise<TlsSession> {
    const timeoutMs = this.options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS
    const timer = setTimeout(
      () => this.fail(new TlsError('ERR_TLS_TIMEOUT', `handshake did not finish within ${timeoutMs} ms`)),
      timeoutMs,
    )
    try {
      await this.machine.start()
      this.trace()
      await this.flush()
      while (!this.engine.handshakeDone) {
        await this.pump()
        // A timeout may have failed us while a step was running: send nothing after its alert.
        if (this.failure) throw this.failure
        this.trace()
        await this.flush()
      }
      const parameters = this.machine.result as TlsParameters
      this.trace()
      return { stream: this, parameters }
    } catch (err) {
      throw this.fail(err)
    } finally {
      clearTimeout(timer)
    }
  }

  async read(): Promise<Uint8Array | null> {
    for (;;) {
      // Data that arrived and verified before a failure is still delivered.
      const data = this.engine.takeApplicationData()
      if (data) {
        this.readAhead()
        return data
      }
      if (this.failure) throw new StreamClosedError(this.failure)
      if (this.engine.peerClosed) return null
      const woken = new Promise<void>((resolve) => (this.wake = resolve))
      this.readAhead()
      await woken
    }
  }

  write(chunk: Uint8Array): Promise<void> {
    if (this.failure) return Promise.reject(new StreamClosedError(this.failure))
    if (this.ended) return Promise.reject(new StreamClosedError(new Error('write after end')))
    // A failure fails every later batch too, so the last piece's promise reports any.
    let last: Promise<void> = Promise.resolve()
    for (let o = 0; o < chunk.length;) {
      const room = BATCH_MAX_BYTES - (this.openBatch ? this.openBatchBytes : 0)
      last.catch(() => {})
      last = this.writeBatched(chunk.subarray(o, o + room))
      o += room
    }
    return last
  }

  private writeBatched(chunk: Uint8Array): Promise<void> {
    if (chunk.length === 0) return Promise.resolve()
    // Chunks written while the transport is busy are sealed together when their turn comes: one
    // batch, one AES call, however small the writes.
    this.unsentBytes += chunk.length
    let batch = this.openBatch
    if (!batch) {
      const chunks: Uint8Array[] = []
      batch = this.openBatch = chunks
      this.openBatchBytes = 0
      let bytes = 0
      this.nextBatch = this.output
        .push(() => {
          if (this.openBatch === chunks) this.openBatch = undefined // later writes start the next batch
          bytes = chunks.reduce((n, c) => n + c.length, 0)
          return this.engine.sealApplicationData(chunks, this.transport.releasesWrites === true)
        })
        .finally(() => (this.unsentBytes -= bytes))
        .catch((err: unknown) => {
          throw new StreamClosedError(this.fail(err))
        })
    }
    batch.push(chunk)
    this.openBatchBytes += chunk.length
    if (this.openBatchBytes >= BATCH_MAX_BYTES) this.openBatch = undefined // full: later writes start the next
    const sent = this.nextBatch
    // Write-behind: while little is in flight the caller may hand over its next chunk at once;
    // past the mark, it waits until the transport has taken this one.
    if (this.unsentBytes <= WRITE_BEHIND_BYTES) {
      sent.catch(() => {}) // a failure closes the stream; the next call reports it
      return Promise.resolve()
    }
    return sent
  }

  /** RFC 5246 §7.2.1: close_notify, then a half-close of the transport. */
  end(): Promise<void> {
    if (this.ended || this.failure) return Promise.resolve()
    this.ended = true
    this.engine.sendAlert(AlertDescription.close_notify, false)
    return this.flush().then(
      () => this.transport.end(),
      (err: unknown) => {
        throw new StreamClosedError(this.fail(err))
      },
    )
  }

  close(err?: Error): void {
    if (!this.failure && !err) this.closedCleanly = true
    this.failure ??= new TlsTransportError(err ? `closed locally: ${err.message}` : 'closed locally', err)
    this.transport.close(err)
  }

  /** The first failure wins; a local one is answered with its fatal alert before the transport closes. */
  private fail(err: unknown): TlsFailure {
    if (this.failure) return this.failure
    const failure =
      err instanceof StreamClosedError ? new TlsTransportError(err.message, err) : asTlsFailure(err)
    this.failure = failure
    this.log(`failed: ${failure.message}`)
    if (failure instanceof TlsError) {
      // Alert, then a half-close so the alert is flushed, then close once the peer has gone too
      // (or the grace period is over: a peer that does not read must not keep us open).
      this.engine.sendAlert(failure.alert, true)
      const flushed = this.flush().then(() => this.transport.end())
      void within(
        flushed.then(() => this.transport.closed),
        ALERT_GRACE_MS,
      ).then(() => this.transport.close(failure))
    } else {
      this.transport.close(failure)
    }
    return failure
  }

  /** Starts the next transport read if there is room ahead of the consumer. */
  private readAhead(): void {
    if (
      !this.reading &&
      this.opening < OPENING_CHUNKS &&
      this.engine.receivedBytes < READ_AHEAD_BYTES &&
      !this.failure &&
      !this.engine.peerClosed
    )
      void this.readChunk()
  }

  /** One transport chunk through the engine, the next one read while it opens. Failures close the stream. */
  private async readChunk(): Promise<void> {
    this.reading = true
    this.opening++
    try {
      let chunk: Uint8Array | null
      try {
        chunk = await this.readTransport()
      } finally {
        this.reading = false
      }
      if (chunk === null) {
        // Records read before the end may still hold the close_notify.
        await this.engine.settled
        if (!this.engine.peerClosed) throw new TlsTransportError('transport ended without close_notify')
        return
      }
      const acted = this.engine.receive(chunk)
      this.readAhead()
      await acted
      if (this.engine.hasOutput) await this.flush()
    } catch (err) {
      this.fail(err)
    } finally {
      this.opening--
      this.wake?.()
      this.wake = undefined
    }
  }

  /** One handshake-time transport chunk through the engine. */
  private async pump(): Promise<void> {
    const chunk = await this.readTransport()
    if (chunk === null) throw new TlsTransportError('transport ended without close_notify')
    await this.engine.receive(chunk)
  }

  private async readTransport(): Promise<Uint8Array | null> {
    try {
      return await this.transport.read()
    } catch (err) {
      throw new TlsTransportError('transport failed', err)
    }
  }

  /** Queued handshake records and alerts, sealed in their turn among the writes. */
  private flush(): Promise<void> {
    this.openBatch = undefined // writes after this go out after it
    return this.output.push(() => this.engine.drainOutput())
  }

  private trace(): void {
    this.log(`${this.engine.isServer ? 'server' : 'client'} ${this.machine.state}`)
  }

  private log(line: string): void {
    this.options.log?.(`tls[${this.id}] ${line}`)
  }
}

/** Settles when `p` settles or after `ms`, whichever is first; never rejects. */
function within(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const expired = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))
  return Promise.race([
    p.then(
      () => {},
      () => {},
    ),
    expired,
  ]).finally(() => clearTimeout(timer))
}
