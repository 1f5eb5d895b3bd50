/**
 * Access codes, identities and keys (core.md, "Cryptographic Keys" and "Access Codes"): making and
 * reading `SYNC…` codes and their links, the access ID and SRP credentials they stand for, the
 * life of a code on the peer that made it, and each share's keys in the PEM forms `core.keys` uses.
 *
 * Platform-neutral (WebCrypto only). Randomness comes in as a RandomSource. Imports only wire/
 * (base64, the signature algorithm and key types).
 */
export {
  ACCESS_CODE_CHARS,
  ACCESS_CODE_PREFIX,
  type AccessCode,
  accessCodeFromBytes,
  generateAccessCode,
} from './access-code'
export {
  type AccessCodeGrant,
  DEFAULT_EXTENSION_MS,
  type GrantMode,
  type GrantStatus,
  ONE_TIME_CODE_LIFETIME_MS,
  cancelGrant,
  extendGrant,
  grantStatus,
  newGrant,
  recordUse,
} from './code-grant'
export {
  MAX_CUSTOM_CREDENTIAL_CHARS,
  SRP_USERNAME_PREFIX,
  type SrpCredentials,
  accessCodeCredentials,
  customCredentials,
  shareKeyCredentials,
} from './credentials'
export { AccessError, AccessErrorCode } from './errors'
export { sha256Hex, toHex } from './hex'
export { accessCodeLink, accessCodeUrl, parseAccessCode } from './parse-code'
export { type RandomSource, cryptoRandom } from './random'
export {
  MAX_RSA_MODULUS_BITS,
  MIN_RSA_MODULUS_BITS,
  RSA_MODULUS_BITS,
  exportPrivateKeyPem,
  exportPublicKeyPem,
  generateRsaKeyPair,
  importPrivateKeyPem,
  importPublicKeyPem,
  publicKeyFromPrivate,
} from './rsa-keys'
export { AccessLevel, type AccessLevelKeys, generateAccessLevelKeys, generatePeerId } from './share-keys'
