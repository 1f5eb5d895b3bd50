/**
 * TLS 1.2 with SRP (RFC 5246, RFC 5054), on WebCrypto and BigInt only, so the same code runs in a
 * Web Worker and in Node: core.md "Connection". A platform may plug in faster record primitives
 * (RecordCrypto). Sans-I/O inside (records, handshake state machines,
 * codecs); `session.ts` is the one driver over a ByteStream. Imports nothing outside src/protocol.
 */
export { acceptTls, connectTls, type TlsDriverOptions, type TlsSession } from './session'
export type { TlsClientOptions } from './client-handshake'
export type { TlsAttempt, TlsRateLimiter, TlsServerOptions } from './server-handshake'
export { AttemptLimiter, type AttemptLimiterOptions } from './rate-limit'
export type { RecordLayerOptions, TlsParameters } from './handshake'
export { type RecordCrypto, type RecordKeys, webCryptoRecords } from './record-crypto'
export {
  TLS_SRP_SHA_WITH_AES_128_CBC_SHA,
  TLS_SRP_SHA_WITH_AES_256_CBC_SHA,
  type CipherSuite,
} from './constants'
export {
  ACCEPTED_GROUPS,
  RFC5054_GROUP_2048,
  RFC5054_GROUP_3072,
  RFC5054_GROUP_4096,
  type SrpGroup,
} from './groups'
export {
  AlertDescription,
  TlsAlertReceivedError,
  TlsError,
  TlsTransportError,
  alertName,
  type TlsFailure,
} from './errors'
