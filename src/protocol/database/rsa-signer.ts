/**
 * `Signer` and `Verifier` on WebCrypto: RSASSA-PKCS1-v1_5 with SHA-256 (DESIGN.md, "Framing"),
 * over the body bytes exactly as framed. Keys are CryptoKeys imported by the access module.
 */
import type { Signer, Verifier } from './signing'

export const RSA_SIGNATURE_ALGORITHM = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const

/** A WebCrypto key, named through `crypto` so the Node type check (no DOM lib) reads it too. */
export type RsaKey = Parameters<typeof crypto.subtle.sign>[1]

export function rsaSigner(privateKey: RsaKey): Signer {
  return {
    async sign(bytes) {
      return toBase64(new Uint8Array(await crypto.subtle.sign(RSA_SIGNATURE_ALGORITHM, privateKey, ownBuffer(bytes))))
    },
  }
}

export function rsaVerifier(publicKey: RsaKey): Verifier {
  return {
    async verify(bytes, signature) {
      const raw = fromBase64(signature)
      if (!raw) return false
      return crypto.subtle.verify(RSA_SIGNATURE_ALGORITHM, publicKey, ownBuffer(raw), ownBuffer(bytes))
    },
  }
}

/** WebCrypto takes views of an ArrayBuffer only; a view of a SharedArrayBuffer is copied. */
function ownBuffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes)
}

function toBase64(bytes: Uint8Array): string {
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary)
}

/** undefined for text that is not base64, which then verifies as false rather than throwing. */
function fromBase64(text: string): Uint8Array | undefined {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0))
  } catch {
    return undefined
  }
}
