/**
 * `Signer` and `Verifier` over the wire's RSA helpers (RSASSA-PKCS1-v1_5 with SHA-256 over the
 * body as framed; `src/protocol/wire/signature.ts`), for keys imported by the access module.
 */
import { signBody, verifyBody } from '../wire/signature'
import type { WebCryptoKey } from '../wire/web-crypto-key'
import type { Signer, Verifier } from './signing'

export function rsaSigner(privateKey: WebCryptoKey): Signer {
  return { sign: (bytes) => signBody(bytes, privateKey) }
}

export function rsaVerifier(publicKey: WebCryptoKey): Verifier {
  return { verify: (bytes, signature) => verifyBody(bytes, signature, publicKey) }
}
