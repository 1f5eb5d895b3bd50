import { asArrayBufferView } from '../wire/bytes'

/** Lowercase hex, the form core.md uses for IDs and keys ("keys should be encoded as hex"). */
export function toHex(bytes: Uint8Array): string {
  let out = ''
  for (const b of bytes) out += b.toString(16).padStart(2, '0')
  return out
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', asArrayBufferView(bytes))))
}
