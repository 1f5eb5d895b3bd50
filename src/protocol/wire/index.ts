/**
 * The wire codec (core.md, "Wire Protocol"; gzip.md): `m ! s $` messages with lossless JSON bodies,
 * signatures and streamed binary payloads, and the gzip extension's framing.
 *
 * Owns framing and the JSON edge only; knows nothing of message meanings (core/, database/, …
 * build on it). Platform-neutral: no DOM, no node: imports; compression comes in as a ZlibCodec.
 *
 * Sans-I/O: WireDecoder / encode*; the thin async drivers over a ByteStream: WireReader / WireWriter.
 */
export { WireDecoder } from './decoder'
export {
  encodeBody,
  encodeChunkHeader,
  encodeFrame,
  encodeMessage,
  encodePayloadEnd,
  type FrameOptions,
} from './encoder'
export { WireError, WireErrorCode } from './errors'
export { GzipFrameDecoder, MAX_GZIP_FRAME_BYTES, gzipStream, type GzipFrame } from './gzip'
export { JsonError, parseJson, stringifyJson } from './json'
export { isJsonObject, type JsonObject, type JsonValue } from './json-value'
export * from './limits'
export type { WireBody, WireEvent, WireMessage, WirePrefix } from './message'
export { WireReader, type ReceivedMessage } from './reader'
export { RSA_SIGNATURE_ALGORITHM, signBody, verifyBody } from './signature'
export {
  formatTimestamp,
  nowTimestamp,
  parseTimestamp,
  timestampIsWritable,
  TimestampError,
  type Nanoseconds,
} from './timestamp'
export { WireWriter, type Payload, type SendFrameOptions, type SendOptions } from './writer'
export type { RsaKeyPair, WebCryptoKey } from './web-crypto-key'
export type { GzipCodec, ZlibCodec } from './zlib-codec'
