/**
 * Reads the SRP username of an inbound TLS connection without terminating TLS: the first record
 * must be a handshake record holding a whole ClientHello (RFC 5246 §6.2.1, §7.4.1.2), whose SRP
 * extension (RFC 5054 §2.8.1) names `clearskies:1:<ID>`. The bridge keeps the bytes it read and
 * relays them verbatim, so the browser's TLS server sees the connection exactly as it was sent.
 */
import { SRP_USERNAME_PREFIX } from '../src/protocol/access'
import {
  ContentType,
  ExtensionType,
  HandshakeType,
  MAX_PLAINTEXT_BYTES,
  RECORD_HEADER_BYTES,
} from '../src/protocol/tls/constants'
import { parseClientHello, parseSrpExtension } from '../src/protocol/tls/messages'
import { ID_PATTERN } from '../src/protocol/tracker/messages'

const HANDSHAKE_HEADER_BYTES = 4

export class NotClearSkiesError extends Error {
  readonly code = 'ERR_BRIDGE_NOT_CLEARSKIES'
}

/** The most bytes `routeIdOf` ever needs: one record. */
export const MAX_FIRST_RECORD_BYTES = RECORD_HEADER_BYTES + MAX_PLAINTEXT_BYTES

/**
 * The share or code ID the connection is for, or `undefined` while the first record is incomplete.
 * Throws NotClearSkiesError for anything that is not a ClearSkies TLS-SRP ClientHello.
 */
export function routeIdOf(head: Uint8Array): string | undefined {
  if (head.length >= 1 && head[0] !== ContentType.handshake)
    throw new NotClearSkiesError(`first record type ${head[0]} is not handshake (22)`)
  if (head.length < RECORD_HEADER_BYTES) return undefined
  const length = ((head[3] as number) << 8) | (head[4] as number)
  if (head[1] !== 3 || length > MAX_PLAINTEXT_BYTES)
    throw new NotClearSkiesError(`not a TLS record (version ${head[1]}.${head[2]}, length ${length})`)
  if (head.length < RECORD_HEADER_BYTES + length) return undefined
  const fragment = head.subarray(RECORD_HEADER_BYTES, RECORD_HEADER_BYTES + length)
  const bodyLength = ((fragment[1] ?? 0) << 16) | ((fragment[2] ?? 0) << 8) | (fragment[3] ?? 0)
  if (fragment[0] !== HandshakeType.client_hello || fragment.length !== HANDSHAKE_HEADER_BYTES + bodyLength) {
    throw new NotClearSkiesError('the first record is not one whole ClientHello')
  }
  let username: string
  try {
    const srp = parseClientHello(fragment.subarray(HANDSHAKE_HEADER_BYTES)).extensions.get(ExtensionType.srp)
    if (!srp) throw new NotClearSkiesError('the ClientHello has no SRP extension')
    username = parseSrpExtension(srp)
  } catch (err) {
    throw err instanceof NotClearSkiesError
      ? err
      : new NotClearSkiesError(`malformed ClientHello: ${(err as Error).message}`)
  }
  const id = username.startsWith(SRP_USERNAME_PREFIX) ? username.slice(SRP_USERNAME_PREFIX.length) : ''
  if (!ID_PATTERN.test(id))
    throw new NotClearSkiesError(
      `SRP username ${JSON.stringify(username.slice(0, 80))} is not clearskies:1:<ID>`,
    )
  return id.toLowerCase()
}
