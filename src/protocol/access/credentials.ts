/**
 * What an access code, a custom username and password, or a share key stands for on the network
 * (core.md, "Access Codes"; DESIGN.md, "TLS-SRP"): the public access ID peers are found by, and the
 * SRP username and password the TLS handshake proves knowledge of.
 */
import type { AccessCode } from './access-code'
import { AccessError, AccessErrorCode } from './errors'
import { sha256Hex, toHex } from './hex'

export const SRP_USERNAME_PREFIX = 'clearskies:1:'
/** Bounds on custom credentials: long enough for a passphrase, short enough for any UI and a handshake. */
export const MAX_CUSTOM_CREDENTIAL_CHARS = 256

export interface SrpCredentials {
  /** Lowercase hex SHA-256: public, registered with the tracker. */
  readonly accessId: string
  readonly srpUsername: string
  readonly srpPassword: string
}

/**
 * core.md: "The SHA256 of the first 64 bits of the access code is known as the access ID ... The
 * second half is used as the SRP password." The halves are of the 16 random bytes, not of the
 * prefixed 20 (docs/protocol-notes/access.md).
 */
export async function accessCodeCredentials(code: AccessCode): Promise<SrpCredentials> {
  const accessId = await sha256Hex(code.bytes.subarray(0, 8))
  return {
    accessId,
    srpUsername: SRP_USERNAME_PREFIX + accessId,
    srpPassword: toHex(code.bytes.subarray(8, 16)),
  }
}

/**
 * core.md: the user may "replace the provided access code with her own password ... The SHA256 of
 * the username is used for the access ID." Both are NFC-normalized first, so that the same words
 * typed on macOS (which decomposes accents) and elsewhere give the same ID and password.
 */
export async function customCredentials(username: string, password: string): Promise<SrpCredentials> {
  const user = checkCredential('username', username)
  const accessId = await sha256Hex(new TextEncoder().encode(user))
  return {
    accessId,
    srpUsername: SRP_USERNAME_PREFIX + accessId,
    srpPassword: checkCredential('password', password),
  }
}

/** After the key exchange: username from the key ID, password the 256-bit key, both lowercase hex. */
export function shareKeyCredentials(keyIdHex: string, keyHex: string): Omit<SrpCredentials, 'accessId'> {
  return { srpUsername: SRP_USERNAME_PREFIX + keyIdHex.toLowerCase(), srpPassword: keyHex.toLowerCase() }
}

function checkCredential(what: string, value: string): string {
  const normalized = value.normalize('NFC')
  if (normalized.length === 0 || normalized.length > MAX_CUSTOM_CREDENTIAL_CHARS) {
    throw new AccessError(
      AccessErrorCode.Credential,
      `a custom ${what} must have 1 to ${MAX_CUSTOM_CREDENTIAL_CHARS} characters, got ${normalized.length}`,
    )
  }
  return normalized
}
