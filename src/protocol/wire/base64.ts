/** RFC 4648 base64 with padding, as signatures and PEM bodies use it. */

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** Builds the binary string in slices: String.fromCharCode(...bytes) overflows the stack on large input. */
export function encodeBase64(bytes: Uint8Array): string {
  const SLICE = 0x8000
  let binary = ''
  for (let i = 0; i < bytes.byteLength; i += SLICE) {
    binary += String.fromCharCode(...bytes.subarray(i, i + SLICE))
  }
  return btoa(binary)
}

export function isBase64(text: string): boolean {
  return BASE64.test(text)
}

/** Returns null for text that is not canonical padded base64, so callers name their own error. */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> | null {
  if (!isBase64(text)) return null
  const binary = atob(text)
  const out = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i)
  return out
}
