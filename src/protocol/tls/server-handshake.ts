import { bigIntToBytes, bytesToBigInt } from './bigint'
import { toHex } from '../access/hex'
import type { CipherState } from './cipher'
import {
  CIPHER_SUITES,
  type CipherSuite,
  ExtensionType,
  HandshakeType,
  RANDOM_BYTES,
  TLS_1_2,
  TLS_EMPTY_RENEGOTIATION_INFO_SCSV,
} from './constants'
import { TlsError } from './errors'
import { RFC5054_GROUP_2048, type SrpGroup } from './groups'
import {
  type HandshakeMachine,
  type HandshakeSink,
  type SessionKeys,
  type RecordLayerOptions,
  type TlsParameters,
  Transcript,
  deriveSessionKeys,
  expectType,
  finishedFor,
} from './handshake'
import {
  EMPTY_RENEGOTIATION_INFO,
  type ClientHello,
  type HandshakeMessage,
  encodeHandshake,
  encodeServerHello,
  encodeServerKeyExchange,
  isEmptyRenegotiationInfo,
  parseClientHello,
  parseClientKeyExchange,
  parseFinished,
  parseSrpExtension,
} from './messages'
import { equalBytes } from './prf'
import { derivedSalt, premasterSecret, randomExponent, serverPublic, serverSecret, srpVerifier } from './srp'

/** One authentication attempt, as the rate-limit hook sees it. */
export interface TlsAttempt {
  /** Where the connection came from (an address, a signaling peer ID), as the caller named it. */
  readonly source: string | undefined
  readonly username: string
}

/**
 * core.md: "Authentication attempts should be rate limited." `allow` is asked before any work is
 * done for a ClientHello (refused: access_denied); `report` hears how each allowed attempt ended.
 */
export interface TlsRateLimiter {
  allow(attempt: TlsAttempt): boolean | Promise<boolean>
  report?(attempt: TlsAttempt, succeeded: boolean): void
}

export interface TlsServerOptions extends RecordLayerOptions {
  /**
   * The password for a username, or null if there is none: the engine picks the club's key or a
   * pending access code. An unknown username is answered exactly like a wrong password.
   */
  readonly lookup: (username: string) => Promise<{ password: string } | null>
  /** At least 16 secret bytes, stable for this peer: salts derive from it (RFC 5054 §2.5.1.3). */
  readonly secret: Uint8Array
  /** The group we send (default: RFC 5054's 2048-bit group). */
  readonly group?: SrpGroup
  readonly cipherSuites?: readonly CipherSuite[]
  /** Agree to RFC 7366 encrypt-then-MAC when offered (default true). */
  readonly encryptThenMac?: boolean
  /** Agree to RFC 7627 extended master secret when offered (default true). */
  readonly extendedMasterSecret?: boolean
  readonly rateLimiter?: TlsRateLimiter
  /** Passed to the rate limiter as the attempt's source. */
  readonly source?: string
}

const MIN_SECRET_BYTES = 16
/** Bytes of the throwaway password that stands in for an unknown user's. */
const DUMMY_PASSWORD_BYTES = 32

type ServerState =
  'wait_client_hello' | 'wait_client_key_exchange' | 'wait_change_cipher_spec' | 'wait_finished' | 'done'

interface Offer {
  readonly hello: ClientHello
  readonly serverRandom: Uint8Array
  readonly suite: CipherSuite
  readonly group: SrpGroup
  readonly v: bigint
  readonly b: bigint
  readonly B: bigint
}

/** The server side of an SRP handshake (RFC 5054 §2.2, §2.5.1-2.5.2, §2.5.4). */
export class ServerHandshake implements HandshakeMachine {
  state: ServerState = 'wait_client_hello'
  result: TlsParameters | undefined
  /** Set once the ClientHello named a username, so the driver can report a failed attempt. */
  attempt: TlsAttempt | undefined
  private readonly transcript = new Transcript()
  private offer: Offer | undefined
  private encryptThenMac = false
  private extendedMasterSecret = false
  private secureRenegotiation = false
  private keys: SessionKeys | undefined

  constructor(
    private readonly options: TlsServerOptions,
    private readonly sink: HandshakeSink,
  ) {
    if (options.secret.length < MIN_SECRET_BYTES) {
      throw new RangeError(
        `server secret of ${options.secret.length} bytes is shorter than ${MIN_SECRET_BYTES}`,
      )
    }
  }

  async start(): Promise<void> {}

  async handle(m: HandshakeMessage): Promise<void> {
    switch (this.state) {
      case 'wait_client_hello':
        expectType(m, HandshakeType.client_hello, this.state)
        this.transcript.add(m.raw)
        return this.onClientHello(parseClientHello(m.body))
      case 'wait_client_key_exchange':
        expectType(m, HandshakeType.client_key_exchange, this.state)
        this.transcript.add(m.raw)
        return this.onClientKeyExchange(parseClientKeyExchange(m.body))
      case 'wait_finished':
        expectType(m, HandshakeType.finished, this.state)
        return this.onFinished(parseFinished(m.body), m.raw)
      default:
        throw new TlsError('ERR_TLS_UNEXPECTED_MESSAGE', `handshake message ${m.type} in state ${this.state}`)
    }
  }

  changeReadCipher(): CipherState {
    if (this.state !== 'wait_change_cipher_spec' || !this.keys) {
      throw new TlsError('ERR_TLS_UNEXPECTED_MESSAGE', `ChangeCipherSpec in state ${this.state}`)
    }
    this.state = 'wait_finished'
    return this.keys.clientWrite
  }

  private async onClientHello(hello: ClientHello): Promise<void> {
    // RFC 5246 §E.1: a client offering a lower version than TLS 1.2 cannot talk to us.
    if (hello.version < TLS_1_2) {
      throw new TlsError(
        'ERR_TLS_PROTOCOL_VERSION',
        `client_version 0x${hello.version.toString(16)} is below TLS 1.2`,
      )
    }
    const suite = (this.options.cipherSuites ?? CIPHER_SUITES).find((s) => hello.cipherSuites.includes(s.id))
    if (!suite)
      throw new TlsError('ERR_TLS_HANDSHAKE_FAILURE', 'client offers none of our TLS-SRP cipher suites')
    if (!hello.compressionMethods.includes(0)) {
      throw new TlsError('ERR_TLS_ILLEGAL_PARAMETER', 'client does not offer the null compression method')
    }
    const srp = hello.extensions.get(ExtensionType.srp)
    // RFC 5054 §2.8.1: without a username there is nothing to authenticate.
    if (!srp) throw new TlsError('ERR_TLS_HANDSHAKE_FAILURE', 'ClientHello has no SRP extension')
    const username = parseSrpExtension(srp)
    const ri = hello.extensions.get(ExtensionType.renegotiation_info)
    if (ri && !isEmptyRenegotiationInfo(ri))
      throw new TlsError('ERR_TLS_HANDSHAKE_FAILURE', 'renegotiation_info is not empty')
    this.secureRenegotiation =
      ri !== undefined || hello.cipherSuites.includes(TLS_EMPTY_RENEGOTIATION_INFO_SCSV)
    this.encryptThenMac =
      (this.options.encryptThenMac ?? true) && hello.extensions.has(ExtensionType.encrypt_then_mac)
    this.extendedMasterSecret =
      (this.options.extendedMasterSecret ?? true) &&
      hello.extensions.has(ExtensionType.extended_master_secret)

    const attempt: TlsAttempt = { source: this.options.source, username }
    if (this.options.rateLimiter && !(await this.options.rateLimiter.allow(attempt))) {
      throw new TlsError(
        'ERR_TLS_RATE_LIMITED',
        `too many attempts for ${username} from ${attempt.source ?? 'unknown source'}`,
      )
    }
    this.attempt = attempt

    // RFC 5054 §2.5.1.3: an unknown user gets a stable salt and a verifier of a random password,
    // computed the same way and in the same time as a real one.
    const credentials = await this.options.lookup(username)
    const password =
      credentials?.password ?? toHex(crypto.getRandomValues(new Uint8Array(DUMMY_PASSWORD_BYTES)))
    const group = this.options.group ?? RFC5054_GROUP_2048
    const salt = await derivedSalt(this.options.secret, username)
    const v = await srpVerifier(group, salt, username, password)
    const b = randomExponent()
    const B = await serverPublic(group, v, b)
    const serverRandom = crypto.getRandomValues(new Uint8Array(RANDOM_BYTES))
    this.offer = { hello, serverRandom, suite, group, v, b, B }

    const extensions = new Map<number, Uint8Array>()
    if (this.secureRenegotiation) extensions.set(ExtensionType.renegotiation_info, EMPTY_RENEGOTIATION_INFO)
    if (this.encryptThenMac) extensions.set(ExtensionType.encrypt_then_mac, new Uint8Array(0))
    if (this.extendedMasterSecret) extensions.set(ExtensionType.extended_master_secret, new Uint8Array(0))
    const serverHello = {
      version: TLS_1_2,
      random: serverRandom,
      sessionId: new Uint8Array(0),
      cipherSuite: suite.id,
      compressionMethod: 0,
      extensions,
    }
    this.send(HandshakeType.server_hello, encodeServerHello(serverHello))
    const params = { N: bigIntToBytes(group.N), g: bigIntToBytes(group.g), salt, B: bigIntToBytes(B) }
    this.send(HandshakeType.server_key_exchange, encodeServerKeyExchange(params))
    this.send(HandshakeType.server_hello_done, new Uint8Array(0))
    this.state = 'wait_client_key_exchange'
  }

  /** RFC 5054 §2.5.4: check A, then compute the premaster secret. */
  private async onClientKeyExchange(encodedA: Uint8Array): Promise<void> {
    const offer = this.offer
    if (!offer) throw new TlsError('ERR_TLS_INTERNAL', 'ClientKeyExchange without an offer')
    const A = bytesToBigInt(encodedA)
    if (A % offer.group.N === 0n) throw new TlsError('ERR_TLS_ILLEGAL_PARAMETER', 'client sent A = 0 mod N')
    const S = await serverSecret(offer.group, A, offer.B, offer.v, offer.b)
    this.keys = await deriveSessionKeys(
      premasterSecret(S),
      offer.hello.random,
      offer.serverRandom,
      await this.transcript.hash(),
      this.extendedMasterSecret,
      offer.suite,
      this.encryptThenMac,
      this.options.recordCrypto,
    )
    this.state = 'wait_change_cipher_spec'
  }

  private async onFinished(verifyData: Uint8Array, raw: Uint8Array): Promise<void> {
    const { keys, offer, attempt } = this
    if (!keys || !offer || !attempt) throw new TlsError('ERR_TLS_INTERNAL', 'Finished without keys')
    if (!equalBytes(keys.clientVerifyData, verifyData))
      throw new TlsError('ERR_TLS_BAD_FINISHED', "client's Finished does not verify")
    this.transcript.add(raw)
    this.sink.sendChangeCipherSpec()
    this.sink.changeWriteCipher(keys.serverWrite)
    this.send(HandshakeType.finished, await finishedFor(keys.masterKey, 'server', this.transcript))
    this.state = 'done'
    this.result = {
      suite: offer.suite,
      encryptThenMac: this.encryptThenMac,
      extendedMasterSecret: this.extendedMasterSecret,
      secureRenegotiation: this.secureRenegotiation,
      username: attempt.username,
      groupBits: offer.group.bits,
    }
  }

  private send(type: number, body: Uint8Array): void {
    const raw = encodeHandshake(type, body)
    this.transcript.add(raw)
    this.sink.sendHandshake(raw)
  }
}
