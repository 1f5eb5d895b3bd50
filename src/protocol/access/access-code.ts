/**
 * Access codes (core.md, "Access Codes"; DESIGN.md, "Protocol decisions"): 16 bytes from a CSPRNG
 * (two 64-bit halves) behind the prefix bytes 96 1A 2F F3, in RFC 4648 base32, plus one Luhn mod 32
 * check character: 33 characters that, thanks to the prefix, start with "SYNC".
 */
import { BASE32_ALPHABET, decodeBase32, encodeBase32 } from './base32'
import { AccessError, AccessErrorCode } from './errors'
import { luhn32CheckCharacter } from './luhn32'
import { type RandomSource, cryptoRandom } from './random'

export const ACCESS_CODE_PREFIX = Uint8Array.of(0x96, 0x1a, 0x2f, 0xf3)
export const ACCESS_CODE_BYTES = 16
/** 20 bytes of base32 (32 characters) and the check character. */
export const ACCESS_CODE_CHARS = 33

export interface AccessCode {
  /** The 16 random bytes: the first half names the share's code (access ID), the second is the SRP password. */
  readonly bytes: Uint8Array
  /** The canonical 33-character form, "SYNC…". */
  readonly text: string
}

export function generateAccessCode(random: RandomSource = cryptoRandom): AccessCode {
  return accessCodeFromBytes(random(ACCESS_CODE_BYTES))
}

export function accessCodeFromBytes(bytes: Uint8Array): AccessCode {
  if (bytes.byteLength !== ACCESS_CODE_BYTES)
    throw new RangeError(`an access code holds ${ACCESS_CODE_BYTES} bytes, got ${bytes.byteLength}`)
  const withPrefix = new Uint8Array(ACCESS_CODE_PREFIX.byteLength + ACCESS_CODE_BYTES)
  withPrefix.set(ACCESS_CODE_PREFIX)
  withPrefix.set(bytes, ACCESS_CODE_PREFIX.byteLength)
  const body = encodeBase32(withPrefix)
  return { bytes: Uint8Array.from(bytes), text: body + luhn32CheckCharacter(body) }
}

/**
 * Checks canonical text (33 upper-case base32 characters; parseAccessCode makes user input so):
 * the check character, then the prefix.
 */
export function accessCodeFromCanonicalText(text: string): AccessCode {
  const body = text.slice(0, -1)
  if (luhn32CheckCharacter(body) !== text.slice(-1)) {
    throw new AccessError(
      AccessErrorCode.CodeCheck,
      'the access code’s check character does not match: a character is mistyped',
    )
  }
  const bytes = decodeBase32(body)!
  if (!ACCESS_CODE_PREFIX.every((b, i) => bytes[i] === b)) {
    throw new AccessError(
      AccessErrorCode.CodePrefix,
      'the code does not start with SYNC: it is not a ClearSkies access code',
    )
  }
  return { bytes: bytes.slice(ACCESS_CODE_PREFIX.byteLength), text }
}

/** True when the check character of canonical text matches; used to choose among readings of a 1. */
export function hasValidCheckCharacter(text: string): boolean {
  return luhn32CheckCharacter(text.slice(0, -1)) === text.slice(-1)
}

export function isBase32Character(char: string): boolean {
  return BASE32_ALPHABET.includes(char)
}
