/** Wire constants of TLS 1.2 (RFC 5246) and the extensions we speak. */

/** RFC 5246 §6.2.1 ContentType. */
export const ContentType = {
  change_cipher_spec: 20,
  alert: 21,
  handshake: 22,
  application_data: 23,
} as const
export type ContentType = (typeof ContentType)[keyof typeof ContentType]

/** RFC 5246 §7.4 HandshakeType. */
export const HandshakeType = {
  hello_request: 0,
  client_hello: 1,
  server_hello: 2,
  server_key_exchange: 12,
  server_hello_done: 14,
  client_key_exchange: 16,
  finished: 20,
} as const

/** RFC 5246 §7.4.1.4 ExtensionType values we use. */
export const ExtensionType = {
  /** RFC 5054 §2.8.1 */
  srp: 12,
  /** RFC 7366 §2 */
  encrypt_then_mac: 22,
  /** RFC 7627 §5.1 */
  extended_master_secret: 23,
  /** RFC 5746 §3.2 */
  renegotiation_info: 0xff01,
} as const

/** RFC 5746 §3.3: the signalling cipher suite value, equivalent to an empty renegotiation_info. */
export const TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff

export const TLS_1_2 = 0x0303

/** RFC 5246 §6.2.1: plaintext fragments are at most 2^14 bytes. */
export const MAX_PLAINTEXT_BYTES = 1 << 14
/** RFC 5246 §6.2.3: ciphertext fragments are at most 2^14 + 2048 bytes. */
export const MAX_CIPHERTEXT_BYTES = (1 << 14) + 2048
export const RECORD_HEADER_BYTES = 5
/** Our bound on one handshake message: an 8192-bit ServerKeyExchange is about 2 KiB. */
export const MAX_HANDSHAKE_MESSAGE_BYTES = 64 * 1024

/** RFC 5054 §2.7 suites; both use HMAC-SHA1 and AES-CBC. */
export interface CipherSuite {
  readonly id: number
  readonly name: string
  readonly keyBytes: number
}
export const TLS_SRP_SHA_WITH_AES_256_CBC_SHA: CipherSuite = {
  id: 0xc020,
  name: 'TLS_SRP_SHA_WITH_AES_256_CBC_SHA',
  keyBytes: 32,
}
export const TLS_SRP_SHA_WITH_AES_128_CBC_SHA: CipherSuite = {
  id: 0xc01d,
  name: 'TLS_SRP_SHA_WITH_AES_128_CBC_SHA',
  keyBytes: 16,
}
/**
 * In order of preference: the first one both sides have wins. AES-128 first: the 2048-bit SRP
 * group the server sends gives about 112 bits of security, which AES-128 already exceeds, so
 * AES-256's four more rounds buy nothing; they cost a sender about 0.5 s of CPU per GiB
 * (bench/sync: 3.5-3.9 s of the sharer's CPU against 4.1-4.5 s for a 1 GiB file).
 */
export const CIPHER_SUITES: readonly CipherSuite[] = [
  TLS_SRP_SHA_WITH_AES_128_CBC_SHA,
  TLS_SRP_SHA_WITH_AES_256_CBC_SHA,
]

export const MAC_BYTES = 20
export const AES_BLOCK_BYTES = 16
export const RANDOM_BYTES = 32
export const MASTER_SECRET_BYTES = 48
export const VERIFY_DATA_BYTES = 12
