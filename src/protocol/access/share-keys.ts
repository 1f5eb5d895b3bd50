/**
 * The secrets made when a share (core.md: a "club") is created (core.md, "Cryptographic Keys"):
 * per access level a 256-bit key, a 256-bit key ID and a 2048-bit RSA key pair; per share a
 * 128-bit peer ID of our own. Hex and PEM, as `core.keys` carries them; persisted by the engine.
 */
import { toHex } from './hex'
import { type RandomSource, cryptoRandom } from './random'
import { exportPrivateKeyPem, exportPublicKeyPem, generateRsaKeyPair } from './rsa-keys'

/** The draft's two levels; applications may have others (core.md, "Access Levels"). */
export const AccessLevel = { ReadWrite: 'read_write', ReadOnly: 'read_only' } as const
export type AccessLevel = (typeof AccessLevel)[keyof typeof AccessLevel]

export interface AccessLevelKeys {
  readonly accessLevel: string
  /** 64 hex digits: the communication key, the SRP password once keys are exchanged. */
  readonly key: string
  /** 64 hex digits: names the key, in the SRP username. */
  readonly keyId: string
  /** PKCS#1 "RSA PRIVATE KEY" PEM. */
  readonly privateRsa: string
  /** PKCS#1 "RSA PUBLIC KEY" PEM. */
  readonly publicRsa: string
}

export async function generateAccessLevelKeys(
  accessLevel: string,
  random: RandomSource = cryptoRandom,
): Promise<AccessLevelKeys> {
  const pair = await generateRsaKeyPair()
  const [privateRsa, publicRsa] = await Promise.all([
    exportPrivateKeyPem(pair.privateKey),
    exportPublicKeyPem(pair.publicKey),
  ])
  return { accessLevel, key: toHex(random(32)), keyId: toHex(random(32)), privateRsa, publicRsa }
}

/** 32 hex digits; core.md: "the peer should use a different peer ID for each club". */
export function generatePeerId(random: RandomSource = cryptoRandom): string {
  return toHex(random(16))
}
