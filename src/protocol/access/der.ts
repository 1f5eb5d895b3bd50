/**
 * The little DER needed to move RSA keys between PKCS#1 (what core.md's `core.keys` example shows:
 * "BEGIN RSA PRIVATE KEY" / "BEGIN RSA PUBLIC KEY") and PKCS#8 / SPKI (all WebCrypto imports and
 * exports). Both wrappers add only an algorithm identifier around the PKCS#1 structure
 * (RFC 5208 section 5, RFC 5280 section 4.1.1.2, RFC 8017 appendix A.1).
 */
import { AccessError, AccessErrorCode } from './errors'

const TAG_INTEGER = 0x02
const TAG_BIT_STRING = 0x03
const TAG_OCTET_STRING = 0x04
const TAG_SEQUENCE = 0x30

/** AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL } */
const RSA_ALGORITHM_IDENTIFIER = Uint8Array.of(
  0x30,
  0x0d,
  0x06,
  0x09,
  0x2a,
  0x86,
  0x48,
  0x86,
  0xf7,
  0x0d,
  0x01,
  0x01,
  0x01,
  0x05,
  0x00,
)
const VERSION_0 = Uint8Array.of(TAG_INTEGER, 0x01, 0x00)

function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length)
  const bytes: number[] = []
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff)
  return Uint8Array.of(0x80 | bytes.length, ...bytes)
}

function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const content = parts.reduce((sum, p) => sum + p.byteLength, 0)
  const length = encodeLength(content)
  const out = new Uint8Array(1 + length.byteLength + content)
  out[0] = tag
  out.set(length, 1)
  let at = 1 + length.byteLength
  for (const p of parts) {
    out.set(p, at)
    at += p.byteLength
  }
  return out
}

/** A reader that names what it expected when the bytes are not that (the subtls `expectUint8` way). */
class DerReader {
  private at = 0
  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {}

  /** Reads one element of the given tag and returns its contents. */
  expect(tag: number, name: string): Uint8Array {
    const found = this.bytes[this.at]
    if (found !== tag)
      this.fail(
        `expected ${name} (tag 0x${tag.toString(16)}) at byte ${this.at}, got ${found === undefined ? 'the end' : `0x${found.toString(16)}`}`,
      )
    let length = this.bytes[this.at + 1] ?? this.fail(`${name} has no length`)
    let at = this.at + 2
    if (length & 0x80) {
      const count = length & 0x7f
      if (count === 0 || count > 4) this.fail(`${name} has an unsupported length of ${count} bytes`)
      length = 0
      for (let i = 0; i < count; i++)
        length = length * 256 + (this.bytes[at++] ?? this.fail(`${name} length is cut short`))
    }
    if (at + length > this.bytes.byteLength)
      this.fail(`${name} claims ${length} bytes, but only ${this.bytes.byteLength - at} remain`)
    this.at = at + length
    return this.bytes.subarray(at, at + length)
  }

  expectBytes(expected: Uint8Array, name: string): void {
    const actual = this.bytes.subarray(this.at, this.at + expected.byteLength)
    if (actual.byteLength !== expected.byteLength || !actual.every((b, i) => b === expected[i])) {
      this.fail(`expected ${name} at byte ${this.at}`)
    }
    this.at += expected.byteLength
  }

  private fail(message: string): never {
    throw new AccessError(AccessErrorCode.Key, `${this.what}: ${message}`)
  }
}

export function pkcs1PrivateToPkcs8(pkcs1: Uint8Array): Uint8Array {
  return tlv(TAG_SEQUENCE, VERSION_0, RSA_ALGORITHM_IDENTIFIER, tlv(TAG_OCTET_STRING, pkcs1))
}

export function pkcs8ToPkcs1Private(pkcs8: Uint8Array): Uint8Array {
  const info = new DerReader(
    new DerReader(pkcs8, 'PKCS#8 private key').expect(TAG_SEQUENCE, 'PrivateKeyInfo'),
    'PKCS#8 private key',
  )
  info.expectBytes(VERSION_0, 'version 0')
  info.expectBytes(RSA_ALGORITHM_IDENTIFIER, 'the rsaEncryption algorithm')
  return info.expect(TAG_OCTET_STRING, 'the private key octet string')
}

export function pkcs1PublicToSpki(pkcs1: Uint8Array): Uint8Array {
  return tlv(TAG_SEQUENCE, RSA_ALGORITHM_IDENTIFIER, tlv(TAG_BIT_STRING, Uint8Array.of(0), pkcs1))
}

export function spkiToPkcs1Public(spki: Uint8Array): Uint8Array {
  const info = new DerReader(
    new DerReader(spki, 'SPKI public key').expect(TAG_SEQUENCE, 'SubjectPublicKeyInfo'),
    'SPKI public key',
  )
  info.expectBytes(RSA_ALGORITHM_IDENTIFIER, 'the rsaEncryption algorithm')
  const bits = info.expect(TAG_BIT_STRING, 'the public key bit string')
  if (bits[0] !== 0)
    throw new AccessError(AccessErrorCode.Key, 'SPKI public key: the bit string has unused bits')
  return bits.subarray(1)
}
