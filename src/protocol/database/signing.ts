/**
 * Signatures of `database.update` messages (database.md, "Record Changes"; core.md, "Wire
 * Protocol": an `s` message carries a base64 RSA signature over the JSON body). The engine only
 * sees these interfaces; `rsa-signer.ts` implements them on WebCrypto.
 */
export interface Signer {
  /** The base64 signature of `bytes` with the read-write private key. */
  sign(bytes: Uint8Array): Promise<string>
}

export interface Verifier {
  /** Whether `signature` (base64) over `bytes` was made with the read-write private key. */
  verify(bytes: Uint8Array, signature: string): Promise<boolean>
}
