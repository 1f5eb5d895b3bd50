import { type ByteStream, StreamClosedError } from '../stream/byte-stream'
import { ClientHandshake, type TlsClientOptions } from './client-handshake'
import { TlsEngine } from './engine'
import { AlertDescription, TlsError, type TlsFailure, TlsTransportError, asTlsFailure } from './errors'
import type { HandshakeMachine, TlsParameters } from './handshake'
import { ServerHandshake, type TlsServerOptions } from './server-handshake'

/**
 * The one async driver: it pumps bytes between a transport ByteStream and a TlsEngine, and hands
 * back the application data as another ByteStream. Back-pressure passes through with a little
 * slack for throughput: reads decrypt at most one transport chunk ahead of the consumer, and
 * writes resolve at once only while at most WRITE_BEHIND_BYTES are still being sealed or queued.
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
  private writeChain: Promise<void> = Promise.resolve()
  private ended = false
  /** Plaintext bytes write() has accepted whose records have not reached the transport yet. */
  private unsentBytes = 0
  /** Written chunks waiting for their batch's turn (none once it has begun), and that batch's send. */
  private openBatch: Uint8Array[] | undefined
  private nextBatch: Promise<void> = Promise.resolve()
  /** The transport read in progress, if any (a read, or a read-ahead). */
  private pumping: Promise<void> | null = null
  private readonly id = nextConnectionId++
  private readonly machine: HandshakeMachine

  constructor(
    private readonly transport: ByteStream,
    private readonly engine: TlsEngine,
    private readonly options: TlsDriverOptions,
  ) {
    this.machine = engine.machine
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
      await this.pumpOnce()
    }
  }

  write(chunk: Uint8Array): Promise<void> {
    if (this.failure) return Promise.reject(new StreamClosedError(this.failure))
    if (this.ended) return Promise.reject(new StreamClosedError(new Error('write after end')))
    if (chunk.length === 0) return Promise.resolve()
    // Chunks written while the transport is busy are sealed together when their turn comes: one
    // batch, one AES call, however small the writes.
    this.unsentBytes += chunk.length
    let batch = this.openBatch
    if (!batch) {
      const chunks: Uint8Array[] = []
      batch = this.openBatch = chunks
      this.nextBatch = this.enqueue(async () => {
        if (this.openBatch === chunks) this.openBatch = undefined // later writes start the next batch
        const bytes = chunks.reduce((n, c) => n + c.length, 0)
        try {
          await this.transport.write(await this.engine.sealApplicationData(chunks))
        } finally {
          this.unsentBytes -= bytes
        }
      }).catch((err: unknown) => {
        throw new StreamClosedError(this.fail(err))
      })
    }
    batch.push(chunk)
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

  /** One transport chunk through the engine; concurrent callers share it. Failures close the stream. */
  private pumpOnce(): Promise<void> {
    this.pumping ??= this.pump()
      .then(() => (this.engine.hasOutput ? this.flush() : undefined))
      .catch((err: unknown) => void this.fail(err))
      .finally(() => (this.pumping = null))
    return this.pumping
  }

  /** Decrypts the next chunk while the consumer handles this one: at most one chunk ahead. */
  private readAhead(): void {
    if (!this.pumping && !this.failure && !this.engine.peerClosed) void this.pumpOnce()
  }

  private async pump(): Promise<void> {
    let chunk: Uint8Array | null
    try {
      chunk = await this.transport.read()
    } catch (err) {
      throw new TlsTransportError('transport failed', err)
    }
    if (chunk === null) throw new TlsTransportError('transport ended without close_notify')
    await this.engine.receive(chunk)
  }

  /** Queued handshake records and alerts, sealed in their turn among the writes. */
  private flush(): Promise<void> {
    this.openBatch = undefined // writes after this go out after it
    return this.enqueue(async () => {
      const bytes = await this.engine.drainOutput()
      if (bytes) await this.transport.write(bytes)
    })
  }

  /**
   * Output goes out one batch at a time, in the order it was asked for; each batch takes its
   * sequence numbers when its turn comes, so the numbers follow the wire order.
   */
  private enqueue(op: () => Promise<void>): Promise<void> {
    const p = this.writeChain.then(op)
    this.writeChain = p.catch(() => {})
    return p
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
