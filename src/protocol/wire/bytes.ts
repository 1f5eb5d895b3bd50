/** Small byte helpers shared by the codecs, kept here so none of them grows its own copy. */

export const utf8Encoder = new TextEncoder()
/** `fatal` so that invalid UTF-8 is an error, not silently replaced by U+FFFD. */
export const strictUtf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  let total = 0
  for (const p of parts) total += p.byteLength
  const out = new Uint8Array(total)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.byteLength
  }
  return out
}

/**
 * WebCrypto and the compression streams take only ArrayBuffer-backed views; a view over a
 * SharedArrayBuffer is copied, any other is passed through as is.
 */
export function asArrayBufferView(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes)
}
