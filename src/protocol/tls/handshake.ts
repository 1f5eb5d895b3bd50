import { concatBytes } from '../wire/bytes'
import { CipherState } from './cipher'
import type { RecordCrypto } from './record-crypto'
import { type CipherSuite, MAC_BYTES } from './constants'
import { TlsError } from './errors'
import { type Key, finishedVerifyData, masterSecretKey, prf, sha256 } from './prf'
import type { HandshakeMessage } from './messages'

/** What both handshake state machines share: the sink they talk to, the transcript, key derivation. */

/** What a finished handshake agreed on. */
export interface TlsParameters {
  readonly suite: CipherSuite
  /** RFC 7366 encrypt-then-MAC is in use. */
  readonly encryptThenMac: boolean
  /** RFC 7627 extended master secret is in use. */
  readonly extendedMasterSecret: boolean
  /** RFC 5746: the peer signalled secure renegotiation (we refuse renegotiation either way). */
  readonly secureRenegotiation: boolean
  readonly username: string
  readonly groupBits: number
}

/** The record layer as a handshake sees it: output is queued and sealed in order by the engine. */
export interface HandshakeSink {
  sendHandshake(message: Uint8Array): void
  sendChangeCipherSpec(): void
  /** Records queued after this call are protected by `cipher`. */
  changeWriteCipher(cipher: CipherState): void
}

/** A handshake state machine: messages in, output through the sink. Crypto makes it async. */
export interface HandshakeMachine {
  /** Printable state, for traces and errors. */
  readonly state: string
  start(): Promise<void>
  handle(message: HandshakeMessage): Promise<void>
  /** The peer's ChangeCipherSpec arrived: returns the cipher that now protects what it sends. */
  changeReadCipher(): CipherState
  /** Set once the handshake is complete. */
  readonly result: TlsParameters | undefined
}

/** The running concatenation of handshake messages (RFC 5246 §7.4.9 handshake_messages). */
export class Transcript {
  private readonly messages: Uint8Array[] = []

  add(raw: Uint8Array): void {
    this.messages.push(raw)
  }

  hash(): Promise<Uint8Array> {
    return sha256(concatBytes(this.messages))
  }
}

/** Options of both sides that concern the record layer. */
export interface RecordLayerOptions {
  /** The AES-CBC and HMAC-SHA1 primitives (default: WebCrypto). */
  readonly recordCrypto?: RecordCrypto
}

export interface SessionKeys {
  readonly masterKey: Key
  readonly clientWrite: CipherState
  readonly serverWrite: CipherState
  /** The client's Finished verify_data (RFC 5246 §7.4.9). */
  readonly clientVerifyData: Uint8Array
}

/**
 * RFC 5246 §8.1 and RFC 7627 §4 master secret, then the record keys and the client's Finished,
 * side by side. `transcriptHash` covers the handshake through ClientKeyExchange: it is both the
 * extended master secret's session hash and what the client's Finished signs.
 */
export async function deriveSessionKeys(
  premaster: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  transcriptHash: Uint8Array,
  extendedMasterSecret: boolean,
  suite: CipherSuite,
  encryptThenMac: boolean,
  recordCrypto: RecordCrypto | undefined,
): Promise<SessionKeys> {
  const sessionHash = extendedMasterSecret ? transcriptHash : null
  const masterKey = await masterSecretKey(premaster, clientRandom, serverRandom, sessionHash)
  const [ciphers, clientVerifyData] = await Promise.all([
    deriveCipherStates(masterKey, clientRandom, serverRandom, suite, encryptThenMac, recordCrypto),
    finishedVerifyData(masterKey, 'client', transcriptHash),
  ])
  return { masterKey, clientVerifyData, ...ciphers }
}

/** RFC 5246 §6.3: the key block, split into MAC keys and cipher keys. */
async function deriveCipherStates(
  masterKey: Key,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  suite: CipherSuite,
  encryptThenMac: boolean,
  recordCrypto: RecordCrypto | undefined,
): Promise<Pick<SessionKeys, 'clientWrite' | 'serverWrite'>> {
  const k = suite.keyBytes
  const seed = concatBytes([serverRandom, clientRandom])
  const block = await prf(masterKey, 'key expansion', seed, 2 * MAC_BYTES + 2 * k)
  const clientMac = block.subarray(0, MAC_BYTES)
  const serverMac = block.subarray(MAC_BYTES, 2 * MAC_BYTES)
  const clientKey = block.subarray(2 * MAC_BYTES, 2 * MAC_BYTES + k)
  const serverKey = block.subarray(2 * MAC_BYTES + k, 2 * MAC_BYTES + 2 * k)
  const [clientWrite, serverWrite] = await Promise.all([
    CipherState.create(clientKey, clientMac, encryptThenMac, recordCrypto),
    CipherState.create(serverKey, serverMac, encryptThenMac, recordCrypto),
  ])
  return { clientWrite, serverWrite }
}

/** RFC 5246 §7.4.9 verify_data over the transcript as it stands. */
export async function finishedFor(
  masterKey: Key,
  sender: 'client' | 'server',
  transcript: Transcript,
): Promise<Uint8Array> {
  return finishedVerifyData(masterKey, sender, await transcript.hash())
}

export function expectType(m: HandshakeMessage, type: number, state: string): void {
  if (m.type !== type) {
    throw new TlsError(
      'ERR_TLS_UNEXPECTED_MESSAGE',
      `handshake message ${m.type} in state ${state}, expected ${type}`,
    )
  }
}
