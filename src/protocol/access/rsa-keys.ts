/**
 * The RSA key of an access level (core.md, "Cryptographic Keys": "Each access level also has a
 * 2048-bit RSA key"), made and used through WebCrypto, written out in the PKCS#1 PEM forms of
 * core.md's `core.keys` example and read back from those or from PKCS#8 / SPKI PEM.
 */
import { RSA_SIGNATURE_ALGORITHM } from '../wire/signature'
import type { RsaKeyPair, WebCryptoKey } from '../wire/web-crypto-key'
import { pkcs1PrivateToPkcs8, pkcs1PublicToSpki, pkcs8ToPkcs1Private, spkiToPkcs1Public } from './der'
import { AccessError, AccessErrorCode } from './errors'
import { decodePem, encodePem } from './pem'

export const RSA_MODULUS_BITS = 2048
/** Keys we accept from peers: the draft's example key is 4096 bits; below 2048 is too weak. */
export const MIN_RSA_MODULUS_BITS = 2048
export const MAX_RSA_MODULUS_BITS = 16384

const PKCS1_PRIVATE = 'RSA PRIVATE KEY'
const PKCS8_PRIVATE = 'PRIVATE KEY'
const PKCS1_PUBLIC = 'RSA PUBLIC KEY'
const SPKI_PUBLIC = 'PUBLIC KEY'

/** The RNG is WebCrypto's own: generateKey takes no random source, and it is a CSPRNG. */
export async function generateRsaKeyPair(): Promise<RsaKeyPair> {
  return crypto.subtle.generateKey(
    { ...RSA_SIGNATURE_ALGORITHM, modulusLength: RSA_MODULUS_BITS, publicExponent: Uint8Array.of(1, 0, 1) },
    true,
    ['sign', 'verify'],
  )
}

export async function exportPrivateKeyPem(privateKey: WebCryptoKey): Promise<string> {
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', privateKey))
  return encodePem(PKCS1_PRIVATE, pkcs8ToPkcs1Private(pkcs8))
}

export async function exportPublicKeyPem(publicKey: WebCryptoKey): Promise<string> {
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', publicKey))
  return encodePem(PKCS1_PUBLIC, spkiToPkcs1Public(spki))
}

/** How each half of a key pair travels: its PKCS#1 label, the WebCrypto wrapper's label, format and use. */
const PEM_FORMS = {
  private: {
    pkcs1Label: PKCS1_PRIVATE,
    wrappedLabel: PKCS8_PRIVATE,
    wrap: pkcs1PrivateToPkcs8,
    format: 'pkcs8',
    usage: 'sign',
  },
  public: {
    pkcs1Label: PKCS1_PUBLIC,
    wrappedLabel: SPKI_PUBLIC,
    wrap: pkcs1PublicToSpki,
    format: 'spki',
    usage: 'verify',
  },
} as const

/** Accepts "RSA PRIVATE KEY" (PKCS#1) and "PRIVATE KEY" (PKCS#8). Extractable, so its public half can be derived. */
export function importPrivateKeyPem(pem: string): Promise<WebCryptoKey> {
  return importPem(PEM_FORMS.private, pem)
}

/** Accepts "RSA PUBLIC KEY" (PKCS#1) and "PUBLIC KEY" (SPKI). */
export function importPublicKeyPem(pem: string): Promise<WebCryptoKey> {
  return importPem(PEM_FORMS.public, pem)
}

async function importPem(
  form: (typeof PEM_FORMS)[keyof typeof PEM_FORMS],
  pem: string,
): Promise<WebCryptoKey> {
  const { label, der } = decodePem(pem)
  if (label !== form.pkcs1Label && label !== form.wrappedLabel) {
    throw new AccessError(
      AccessErrorCode.Key,
      `expected an ${form.pkcs1Label} or ${form.wrappedLabel} PEM block, got ${label}`,
    )
  }
  const wrapped = label === form.pkcs1Label ? form.wrap(der) : der
  let key: WebCryptoKey
  try {
    key = await crypto.subtle.importKey(
      form.format,
      Uint8Array.from(wrapped),
      RSA_SIGNATURE_ALGORITHM,
      true,
      [form.usage],
    )
  } catch (err) {
    throw new AccessError(
      AccessErrorCode.Key,
      `the ${label} PEM block is not an RSA key WebCrypto accepts: ${String(err)}`,
      { cause: err },
    )
  }
  const bits = (key.algorithm as { modulusLength?: number }).modulusLength ?? 0
  if (bits < MIN_RSA_MODULUS_BITS || bits > MAX_RSA_MODULUS_BITS) {
    throw new AccessError(
      AccessErrorCode.Key,
      `an RSA key must have ${MIN_RSA_MODULUS_BITS} to ${MAX_RSA_MODULUS_BITS} bits, got ${bits}`,
    )
  }
  return key
}

/** core.md: "The public_rsa key is not required when the private key is included, since it can be derived". */
export async function publicKeyFromPrivate(privateKey: WebCryptoKey): Promise<WebCryptoKey> {
  const { n, e } = await crypto.subtle.exportKey('jwk', privateKey)
  return crypto.subtle.importKey(
    'jwk',
    { kty: 'RSA', n, e, alg: 'RS256', ext: true },
    RSA_SIGNATURE_ALGORITHM,
    true,
    ['verify'],
  )
}
