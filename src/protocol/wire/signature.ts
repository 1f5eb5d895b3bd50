/**
 * Signed messages (core.md: "the RSA signature is given, encoded with base64"): RSA PKCS#1 v1.5
 * with SHA-256 over the body's JSON bytes, through WebCrypto so browser and Node share the code.
 *
 * Which bytes: the body exactly as framed, the bytes its length counts, trailing newline included
 * (what `encodeBody` returns, and what a read-only peer stores and repeats verbatim). The draft does
 * not say whether a peer signs the body with or without that newline, so verification also accepts
 * a signature over the body with its trailing whitespace removed; both describe the same JSON
 * object. docs/protocol-notes/wire.md.
 */
import { decodeBase64, encodeBase64 } from './base64'
import { asArrayBufferView } from './bytes'
import { isAsciiWhitespace } from './ascii'
import type { WebCryptoKey } from './web-crypto-key'

export const RSA_SIGNATURE_ALGORITHM = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const

export async function signBody(bodyBytes: Uint8Array, privateKey: WebCryptoKey): Promise<string> {
  const signature = await crypto.subtle.sign(
    RSA_SIGNATURE_ALGORITHM,
    privateKey,
    asArrayBufferView(bodyBytes),
  )
  return encodeBase64(new Uint8Array(signature))
}

/** False for a wrong signature and for one that is not base64: both mean "not signed by that key". */
export async function verifyBody(
  bodyBytes: Uint8Array,
  signature: string,
  publicKey: WebCryptoKey,
): Promise<boolean> {
  const signatureBytes = decodeBase64(signature)
  if (signatureBytes === null) return false
  const verify = (bytes: Uint8Array): Promise<boolean> =>
    crypto.subtle.verify(RSA_SIGNATURE_ALGORITHM, publicKey, signatureBytes, asArrayBufferView(bytes))
  if (await verify(bodyBytes)) return true
  const trimmed = withoutTrailingWhitespace(bodyBytes)
  return trimmed.byteLength !== bodyBytes.byteLength && verify(trimmed)
}

function withoutTrailingWhitespace(bytes: Uint8Array): Uint8Array {
  let end = bytes.byteLength
  while (end > 0 && isAsciiWhitespace(bytes[end - 1]!)) end--
  return bytes.subarray(0, end)
}
