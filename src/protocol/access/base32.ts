/** RFC 4648 base32 (section 6), without padding: our inputs are whole multiples of 5 bytes. */
export const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

export function encodeBase32(bytes: Uint8Array): string {
  let out = ''
  let bits = 0
  let value = 0
  for (const byte of bytes) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += BASE32_ALPHABET[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(value << (5 - bits)) & 31]
  return out
}

/** Upper-case base32 text whose length is a multiple of 8 (so it is whole bytes); null otherwise. */
export function decodeBase32(text: string): Uint8Array | null {
  if (text.length % 8 !== 0) return null
  const out = new Uint8Array((text.length * 5) / 8)
  let bits = 0
  let value = 0
  let at = 0
  for (const char of text) {
    const digit = BASE32_ALPHABET.indexOf(char)
    if (digit < 0) return null
    value = ((value << 5) | digit) & 0xfff
    bits += 5
    if (bits >= 8) {
      out[at++] = (value >>> (bits - 8)) & 0xff
      bits -= 8
    }
  }
  return out
}
