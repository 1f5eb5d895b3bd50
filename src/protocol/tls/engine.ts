import { concatBytes } from '../wire/bytes'
import type { CipherState } from './cipher'
import { ContentType, HandshakeType, MAX_PLAINTEXT_BYTES } from './constants'
import { AlertDescription, TlsAlertReceivedError, TlsError } from './errors'
import type { HandshakeMachine, HandshakeSink } from './handshake'
import { HandshakeReassembler } from './messages'
import { type RawRecord, RecordDecoder, plaintextRecord } from './record'

/**
 * The record layer around a handshake machine, without I/O: bytes from the peer go in through
 * `receive`, bytes for the peer come out of `drainOutput` and `sealApplicationData`. Only the
 * WebCrypto calls make it async; every decision about what a record means is made here, in one
 * `dispatch` switch.
 */

type Outgoing = { readonly type: ContentType; readonly data: Uint8Array } | { readonly cipher: CipherState }

const ALERT_WARNING = 1
const ALERT_FATAL = 2

export class TlsEngine implements HandshakeSink {
  readonly machine: HandshakeMachine
  /** The peer sent close_notify: nothing more will come. */
  peerClosed = false
  private readonly decoder = new RecordDecoder()
  private readonly reassembler = new HandshakeReassembler()
  private readCipher: CipherState | null = null
  private writeCipher: CipherState | null = null
  private readonly outgoing: Outgoing[] = []
  private readonly received: Uint8Array[] = []
  private bufferedBytes = 0
  /** The last batch of protected records' delivery: later batches are acted on after it. */
  private delivered: Promise<void> = Promise.resolve()

  constructor(
    makeMachine: (sink: HandshakeSink) => HandshakeMachine,
    readonly isServer: boolean,
  ) {
    this.machine = makeMachine(this)
  }

  get handshakeDone(): boolean {
    return this.machine.result !== undefined
  }

  /** Bytes of application data waiting to be taken: the driver reads ahead only while this is small. */
  get receivedBytes(): number {
    return this.bufferedBytes
  }

  get hasOutput(): boolean {
    return this.outgoing.length > 0
  }

  // HandshakeSink: handshake output is queued, then sealed in order by drainOutput.
  sendHandshake(message: Uint8Array): void {
    for (let o = 0; o < message.length; o += MAX_PLAINTEXT_BYTES) {
      this.outgoing.push({ type: ContentType.handshake, data: message.subarray(o, o + MAX_PLAINTEXT_BYTES) })
    }
  }

  sendChangeCipherSpec(): void {
    this.outgoing.push({ type: ContentType.change_cipher_spec, data: new Uint8Array([1]) })
  }

  changeWriteCipher(cipher: CipherState): void {
    this.outgoing.push({ cipher })
  }

  sendAlert(description: AlertDescription, fatal: boolean): void {
    this.outgoing.push({
      type: ContentType.alert,
      data: new Uint8Array([fatal ? ALERT_FATAL : ALERT_WARNING, description]),
    })
  }

  /** Every queued record, protected as it must be, as one buffer; null if nothing is queued. */
  async drainOutput(): Promise<Uint8Array | null> {
    if (this.outgoing.length === 0) return null
    // Sequence numbers are taken synchronously here, in queue order.
    const records: Array<Promise<Uint8Array> | Uint8Array> = []
    for (const item of this.outgoing.splice(0)) {
      if ('cipher' in item) this.writeCipher = item.cipher
      else
        records.push(
          this.writeCipher
            ? this.writeCipher.seal(item.type, item.data)
            : plaintextRecord(item.type, item.data),
        )
    }
    return concatBytes(await Promise.all(records))
  }

  /**
   * Application data as protected records, sealed as one batch. The chunks are joined, so a burst
   * of small writes (the wire protocol's messages) fills records instead of each taking one.
   * `pooled`: as `CipherState.sealJoined`.
   */
  async sealApplicationData(chunks: readonly Uint8Array[], pooled = false): Promise<Uint8Array> {
    const cipher = this.writeCipher
    if (!cipher || !this.handshakeDone) {
      throw new TlsError('ERR_TLS_INTERNAL', 'application data before the handshake finished')
    }
    return cipher.sealJoined(ContentType.application_data, chunks, pooled)
  }

  /** The next decrypted fragment, or null: fragments are handed out as they are, never joined. */
  takeApplicationData(): Uint8Array | null {
    const data = this.received.shift() ?? null
    if (data) this.bufferedBytes -= data.length
    return data
  }

  /**
   * Takes bytes from the peer and acts on every whole record in them. Throws a TlsFailure.
   * After the handshake, calls may overlap: each takes its records and their sequence numbers
   * synchronously, opens them concurrently with earlier calls, and acts on them in arrival order.
   */
  async receive(chunk: Uint8Array): Promise<void> {
    this.decoder.push(chunk)
    while (!this.peerClosed && !(this.handshakeDone && this.readCipher)) {
      const r = this.decoder.next()
      if (!r) return
      await this.dispatch(r.type, this.readCipher ? await this.readCipher.open(r) : r.fragment)
    }
    if (this.peerClosed) return
    return this.openProtected(this.readCipher as CipherState)
  }

  /** Settles once every record received so far has been acted on (rejects if one failed). */
  get settled(): Promise<void> {
    return this.delivered
  }

  /** After the handshake the read cipher cannot change, so every whole record opens in one batch. */
  private openProtected(cipher: CipherState): Promise<void> {
    const batch: RawRecord[] = []
    for (let r = this.decoder.next(); r; r = this.decoder.next()) batch.push(r)
    if (batch.length === 0) return this.delivered
    const opened = cipher.openMany(batch)
    opened.catch(() => {}) // an earlier batch's failure is the one reported
    const delivered = this.delivered.then(async () => {
      const plains = await opened
      for (const [i, r] of batch.entries()) await this.dispatch(r.type, plains[i] as Uint8Array)
    })
    this.delivered = delivered
    return delivered
  }

  private async dispatch(type: ContentType, data: Uint8Array): Promise<void> {
    if (this.peerClosed) return
    // RFC 5246 §6.2.1: only application data may come in zero-length fragments.
    if (data.length === 0 && type !== ContentType.application_data) {
      throw new TlsError('ERR_TLS_UNEXPECTED_MESSAGE', `empty record of content type ${type}`)
    }
    switch (type) {
      case ContentType.alert:
        return this.onAlerts(data)
      case ContentType.change_cipher_spec:
        // RFC 5246 §7.1: one byte of value 1, between whole handshake messages.
        if (data.length !== 1 || data[0] !== 1)
          throw new TlsError('ERR_TLS_DECODE', 'ChangeCipherSpec is not the single byte 1')
        if (!this.reassembler.empty)
          throw new TlsError('ERR_TLS_UNEXPECTED_MESSAGE', 'ChangeCipherSpec inside a handshake message')
        this.readCipher = this.machine.changeReadCipher()
        return
      case ContentType.handshake:
        this.reassembler.push(data)
        for (let m = this.reassembler.next(); m; m = this.reassembler.next()) {
          if (this.handshakeDone) this.refuseRenegotiation(m.type)
          else await this.machine.handle(m)
        }
        return
      case ContentType.application_data:
        if (!this.handshakeDone)
          throw new TlsError('ERR_TLS_UNEXPECTED_MESSAGE', 'application data before the handshake finished')
        if (data.length > 0) {
          this.received.push(data)
          this.bufferedBytes += data.length
        }
        return
    }
  }

  /** RFC 5246 §7.2: alerts are two bytes, level and description. */
  private onAlerts(data: Uint8Array): void {
    if (data.length % 2 !== 0) throw new TlsError('ERR_TLS_DECODE', `alert record of ${data.length} bytes`)
    for (let i = 0; i < data.length; i += 2) {
      const level = data[i] as number
      const description = data[i + 1] as number
      if (level !== ALERT_WARNING && level !== ALERT_FATAL)
        throw new TlsError('ERR_TLS_ILLEGAL_PARAMETER', `alert level ${level}`)
      if (description === AlertDescription.close_notify) {
        if (!this.handshakeDone) throw new TlsAlertReceivedError(description)
        this.peerClosed = true
        return
      }
      if (level === ALERT_FATAL) throw new TlsAlertReceivedError(description)
      // Other warnings (no_renegotiation, user_canceled before a close_notify) change nothing.
    }
  }

  /** RFC 5746 §4.2/§4.4: we never renegotiate; a new hello gets a no_renegotiation warning. */
  private refuseRenegotiation(type: number): void {
    const hello = this.isServer ? HandshakeType.client_hello : HandshakeType.hello_request
    if (type !== hello)
      throw new TlsError('ERR_TLS_UNEXPECTED_MESSAGE', `handshake message ${type} after the handshake`)
    this.sendAlert(AlertDescription.no_renegotiation, false)
  }
}
