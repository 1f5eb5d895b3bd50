/**
 * WebCrypto key types by inference, not by the global `CryptoKey` name: the Node tsconfig has no
 * DOM or WebWorker lib (its `CryptoKey` lives in node:crypto's `webcrypto` namespace), and protocol
 * code compiles under both.
 */
export type WebCryptoKey = Parameters<typeof crypto.subtle.sign>[1]

export interface RsaKeyPair {
  readonly privateKey: WebCryptoKey
  readonly publicKey: WebCryptoKey
}
