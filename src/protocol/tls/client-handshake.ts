import { bigIntToBytes, bytesToBigInt } from './bigint'
import { utf8Encoder } from '../wire/bytes'
import type { CipherState } from './cipher'
import {
  CIPHER_SUITES,
  type CipherSuite,
  ExtensionType,
  HandshakeType,
  RANDOM_BYTES,
  TLS_1_2,
} from './constants'
import { TlsError } from './errors'
import { ACCEPTED_GROUPS, type SrpGroup } from './groups'
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
  type HandshakeMessage,
  type ServerHello,
  encodeClientHello,
  encodeClientKeyExchange,
  encodeHandshake,
  encodeSrpExtension,
  isEmptyRenegotiationInfo,
  parseFinished,
  parseServerHello,
  parseServerHelloDone,
  parseServerKeyExchange,
} from './messages'
import { equalBytes } from './prf'
import { clientPublic, clientSecret, premasterSecret, randomExponent } from './srp'

export interface TlsClientOptions extends RecordLayerOptions {
  /** The SRP username: for ClearSkies `clearskies:1:` + access ID or key ID in lowercase hex. */
  readonly username: string
  /** The SRP password: the access code's second half or the share key, as lowercase hex. */
  readonly password: string
  /** Suites to offer, in order of preference (default: AES-128, then AES-256). */
  readonly cipherSuites?: readonly CipherSuite[]
  /** Offer RFC 7366 encrypt-then-MAC (default true). */
  readonly encryptThenMac?: boolean
  /** Offer RFC 7627 extended master secret (default true). */
  readonly extendedMasterSecret?: boolean
  /** Narrows the groups the server may choose; only RFC 5054 groups of 2048 bits and up ever pass. */
  readonly groups?: readonly SrpGroup[]
}

type ClientState =
  | 'start'
  | 'wait_server_hello'
  | 'wait_server_key_exchange'
  | 'wait_server_hello_done'
  | 'wait_change_cipher_spec'
  | 'wait_finished'
  | 'done'

/** The client side of an SRP handshake (RFC 5246 §7.3 full handshake without certificates, RFC 5054 §2.2). */
export class ClientHandshake implements HandshakeMachine {
  state: ClientState = 'start'
  result: TlsParameters | undefined
  private readonly transcript = new Transcript()
  private readonly clientRandom = crypto.getRandomValues(new Uint8Array(RANDOM_BYTES))
  private readonly suites: readonly CipherSuite[]
  private hello: ServerHello | undefined
  private suite: CipherSuite | undefined
  private encryptThenMac = false
  private extendedMasterSecret = false
  private secureRenegotiation = false
  private group: SrpGroup | undefined
  private premaster: Uint8Array | undefined
  private publicA: Uint8Array | undefined
  private keys: SessionKeys | undefined
  private expectedServerFinished: Promise<Uint8Array> | undefined

  constructor(
    private readonly options: TlsClientOptions,
    private readonly sink: HandshakeSink,
  ) {
    this.suites = options.cipherSuites ?? CIPHER_SUITES
  }

  async start(): Promise<void> {
    const extensions = new Map<number, Uint8Array>([
      [ExtensionType.srp, encodeSrpExtension(utf8Encoder.encode(this.options.username))],
      [ExtensionType.renegotiation_info, EMPTY_RENEGOTIATION_INFO],
    ])
    if (this.options.encryptThenMac ?? true) extensions.set(ExtensionType.encrypt_then_mac, new Uint8Array(0))
    if (this.options.extendedMasterSecret ?? true)
      extensions.set(ExtensionType.extended_master_secret, new Uint8Array(0))
    const body = encodeClientHello({
      version: TLS_1_2,
      random: this.clientRandom,
      sessionId: new Uint8Array(0),
      cipherSuites: this.suites.map((s) => s.id),
      compressionMethods: new Uint8Array([0]),
      extensions,
    })
    this.send(HandshakeType.client_hello, body)
    this.state = 'wait_server_hello'
  }

  async handle(m: HandshakeMessage): Promise<void> {
    // RFC 5246 §7.4.1.1: a HelloRequest during a handshake is ignored, and never hashed.
    if (m.type === HandshakeType.hello_request) return
    switch (this.state) {
      case 'wait_server_hello':
        expectType(m, HandshakeType.server_hello, this.state)
        this.transcript.add(m.raw)
        return this.onServerHello(parseServerHello(m.body))
      case 'wait_server_key_exchange':
        expectType(m, HandshakeType.server_key_exchange, this.state)
        this.transcript.add(m.raw)
        return this.onServerKeyExchange(m.body)
      case 'wait_server_hello_done':
        expectType(m, HandshakeType.server_hello_done, this.state)
        parseServerHelloDone(m.body)
        this.transcript.add(m.raw)
        return this.onServerHelloDone()
      case 'wait_finished':
        expectType(m, HandshakeType.finished, this.state)
        return this.onFinished(parseFinished(m.body))
      default:
        throw new TlsError('ERR_TLS_UNEXPECTED_MESSAGE', `handshake message ${m.type} in state ${this.state}`)
    }
  }

  changeReadCipher(): CipherState {
    if (this.state !== 'wait_change_cipher_spec' || !this.keys) {
      throw new TlsError('ERR_TLS_UNEXPECTED_MESSAGE', `ChangeCipherSpec in state ${this.state}`)
    }
    this.state = 'wait_finished'
    return this.keys.serverWrite
  }

  /** RFC 5246 §7.4.1.3: the server picks among what we offered, and answers only extensions we sent. */
  private onServerHello(h: ServerHello): void {
    if (h.version !== TLS_1_2) {
      throw new TlsError(
        'ERR_TLS_PROTOCOL_VERSION',
        `server_version 0x${h.version.toString(16)} is not TLS 1.2`,
      )
    }
    const suite = this.suites.find((s) => s.id === h.cipherSuite)
    if (!suite)
      throw new TlsError(
        'ERR_TLS_ILLEGAL_PARAMETER',
        `server chose cipher suite 0x${h.cipherSuite.toString(16)}, not offered`,
      )
    if (h.compressionMethod !== 0) {
      throw new TlsError(
        'ERR_TLS_ILLEGAL_PARAMETER',
        `server chose compression method ${h.compressionMethod}, not offered`,
      )
    }
    const offered = new Set<number>([ExtensionType.renegotiation_info])
    if (this.options.encryptThenMac ?? true) offered.add(ExtensionType.encrypt_then_mac)
    if (this.options.extendedMasterSecret ?? true) offered.add(ExtensionType.extended_master_secret)
    for (const [type, data] of h.extensions) {
      if (!offered.has(type))
        throw new TlsError('ERR_TLS_UNSUPPORTED_EXTENSION', `server sent extension ${type}, not offered`)
      if (type === ExtensionType.renegotiation_info ? !isEmptyRenegotiationInfo(data) : data.length !== 0) {
        throw new TlsError('ERR_TLS_HANDSHAKE_FAILURE', `server's extension ${type} is not empty`)
      }
    }
    this.hello = h
    this.suite = suite
    this.encryptThenMac = h.extensions.has(ExtensionType.encrypt_then_mac)
    this.extendedMasterSecret = h.extensions.has(ExtensionType.extended_master_secret)
    this.secureRenegotiation = h.extensions.has(ExtensionType.renegotiation_info)
    this.state = 'wait_server_key_exchange'
  }

  /** RFC 5054 §2.5.3-2.5.4: check the group and B, then compute A and the premaster secret. */
  private async onServerKeyExchange(body: Uint8Array): Promise<void> {
    const p = parseServerKeyExchange(body)
    const N = bytesToBigInt(p.N)
    const g = bytesToBigInt(p.g)
    const group = (this.options.groups ?? ACCEPTED_GROUPS).find(
      (x) => x.N === N && x.g === g && ACCEPTED_GROUPS.includes(x),
    )
    if (!group) {
      throw new TlsError(
        'ERR_TLS_INSUFFICIENT_SECURITY',
        `server's SRP group (${p.N.length * 8}-bit N, g=${g}) is not an accepted RFC 5054 group`,
      )
    }
    const B = bytesToBigInt(p.B)
    if (B % N === 0n) throw new TlsError('ERR_TLS_ILLEGAL_PARAMETER', 'server sent B = 0 mod N')
    const a = randomExponent()
    const A = clientPublic(group, a)
    const S = await clientSecret(group, A, B, a, p.salt, this.options.username, this.options.password)
    this.group = group
    this.publicA = bigIntToBytes(A)
    this.premaster = premasterSecret(S)
    this.state = 'wait_server_hello_done'
  }

  private async onServerHelloDone(): Promise<void> {
    const { hello, suite, premaster, publicA } = this
    if (!hello || !suite || !premaster || !publicA)
      throw new TlsError('ERR_TLS_INTERNAL', 'ServerHelloDone without key exchange')
    this.send(HandshakeType.client_key_exchange, encodeClientKeyExchange(publicA))
    const keys = await deriveSessionKeys(
      premaster,
      this.clientRandom,
      hello.random,
      await this.transcript.hash(),
      this.extendedMasterSecret,
      suite,
      this.encryptThenMac,
      this.options.recordCrypto,
    )
    this.keys = keys
    this.sink.sendChangeCipherSpec()
    this.sink.changeWriteCipher(keys.clientWrite)
    this.send(HandshakeType.finished, keys.clientVerifyData)
    // The server's Finished covers ours too: work out what it must say while it is on its way.
    const expected = finishedFor(keys.masterKey, 'server', this.transcript)
    expected.catch(() => {}) // awaited in onFinished
    this.expectedServerFinished = expected
    this.state = 'wait_change_cipher_spec'
  }

  private async onFinished(verifyData: Uint8Array): Promise<void> {
    const { expectedServerFinished, suite, group } = this
    if (!expectedServerFinished || !suite || !group)
      throw new TlsError('ERR_TLS_INTERNAL', 'Finished without keys')
    const expected = await expectedServerFinished
    if (!equalBytes(expected, verifyData))
      throw new TlsError('ERR_TLS_BAD_FINISHED', "server's Finished does not verify")
    this.state = 'done'
    this.result = {
      suite,
      encryptThenMac: this.encryptThenMac,
      extendedMasterSecret: this.extendedMasterSecret,
      secureRenegotiation: this.secureRenegotiation,
      username: this.options.username,
      groupBits: group.bits,
    }
  }

  private send(type: number, body: Uint8Array): void {
    const raw = encodeHandshake(type, body)
    this.transcript.add(raw)
    this.sink.sendHandshake(raw)
  }
}
