/**
 * The wire encoder: bodies, headers and chunk headers as bytes. Payload data is never copied here;
 * the writer sends each chunk header followed by the caller's own bytes.
 */
import { isBase64 } from './base64'
import { utf8Encoder } from './bytes'
import { WireError, WireErrorCode } from './errors'
import { stringifyJson } from './json'
import { MAX_BODY_BYTES, MAX_CHUNK_BYTES, MAX_SIGNATURE_BYTES } from './limits'
import { type WireBody, prefixFor } from './message'

const NEWLINE = '\n'

/**
 * The body as framed: JSON text in UTF-8 and one newline, which its length counts (as the draft's
 * `!44` and `s27:64` examples count it). These are the bytes a signature covers.
 */
export function encodeBody(body: WireBody): Uint8Array {
  return utf8Encoder.encode(`${stringifyJson(body)}${NEWLINE}`)
}

export interface FrameOptions {
  /** Base64 signature over the body bytes; makes the message `s` or `$`. */
  signature?: string
  /** A payload follows (as chunks the caller sends); makes the message `!` or `$`. */
  withPayload?: boolean
}

/**
 * Header, body, then the signature and its newline. Body bytes that do not end with a newline (a
 * body from elsewhere) get one, counted in the length like encodeBody's.
 */
export function encodeFrame(bodyBytes: Uint8Array, options: FrameOptions = {}): Uint8Array {
  const { signature, withPayload = false } = options
  const needsNewline = bodyBytes[bodyBytes.byteLength - 1] !== 0x0a
  const bodyLength = bodyBytes.byteLength + (needsNewline ? 1 : 0)
  if (bodyLength > MAX_BODY_BYTES) {
    throw new WireError(
      WireErrorCode.Length,
      `body length ${bodyLength} exceeds the maximum of ${MAX_BODY_BYTES} bytes`,
      null,
    )
  }
  if (
    signature !== undefined &&
    (signature.length === 0 || signature.length > MAX_SIGNATURE_BYTES || !isBase64(signature))
  ) {
    throw new WireError(
      WireErrorCode.Signature,
      `a signature must be 1 to ${MAX_SIGNATURE_BYTES} characters of base64, got ${signature.length}`,
      null,
    )
  }
  const prefix = prefixFor(signature !== undefined, withPayload)
  const header = utf8Encoder.encode(
    signature === undefined ? `${prefix}${bodyLength}` : `${prefix}${bodyLength}:${signature.length}`,
  )
  const trailer = signature === undefined ? '' : `${signature}${NEWLINE}`
  const out = new Uint8Array(header.byteLength + bodyLength + trailer.length)
  out.set(header, 0)
  out.set(bodyBytes, header.byteLength)
  let at = header.byteLength + bodyBytes.byteLength
  if (needsNewline) out[at++] = 0x0a
  utf8Encoder.encodeInto(trailer, out.subarray(at))
  return out
}

/** An unsigned message in one call. */
export function encodeMessage(body: WireBody, options: Omit<FrameOptions, 'signature'> = {}): Uint8Array {
  return encodeFrame(encodeBody(body), options)
}

/** `<length>\n`, which precedes each chunk's bytes. */
export function encodeChunkHeader(length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 1 || length > MAX_CHUNK_BYTES) {
    throw new WireError(
      WireErrorCode.Length,
      `a payload chunk must hold 1 to ${MAX_CHUNK_BYTES} bytes, got ${length}`,
      null,
    )
  }
  return utf8Encoder.encode(`${length}${NEWLINE}`)
}

/** The empty chunk that ends a payload; fresh bytes each time, since streams take ownership of what they are given. */
export function encodePayloadEnd(): Uint8Array {
  return utf8Encoder.encode(`0${NEWLINE}`)
}
