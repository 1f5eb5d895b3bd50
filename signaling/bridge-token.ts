/**
 * The bridge token (docs/protocol-notes/bridge.md, "Who may announce a bridge"): a shared secret
 * the signaling server and its bridge both hold, so only the genuine bridge may announce a
 * `bridge:` address. It travels as `Authorization: Bearer <token>` on the bridge's WebSocket
 * upgrade to `/tracker`. Read from a file or the environment, never from a flag: `ps` shows flags.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'

export const BRIDGE_TOKEN_ENV = 'CLEARSKIES_BRIDGE_TOKEN'
export const BRIDGE_TOKEN_FILE_ENV = 'CLEARSKIES_BRIDGE_TOKEN_FILE'
export const BRIDGE_TOKEN_FILE_FLAG = 'bridge-token-file'
/** Short tokens can be guessed; long ones would not fit an HTTP header line comfortably. */
export const MIN_BRIDGE_TOKEN_CHARS = 16
export const MAX_BRIDGE_TOKEN_CHARS = 1024
/** RFC 6750's b64token characters: safe in a header, and what `openssl rand -base64`/`-hex` prints. */
const TOKEN_SYNTAX = /^[A-Za-z0-9\-._~+/]+=*$/
const BEARER = /^Bearer +(\S+) *$/i

export class BridgeTokenError extends Error {
  readonly code = 'ERR_BRIDGE_TOKEN'
}

export function parseBridgeToken(text: string, source: string): string {
  if (text.length < MIN_BRIDGE_TOKEN_CHARS || text.length > MAX_BRIDGE_TOKEN_CHARS)
    throw new BridgeTokenError(
      `${source}: the bridge token must be ${MIN_BRIDGE_TOKEN_CHARS} to ${MAX_BRIDGE_TOKEN_CHARS} characters, got ${text.length}`,
    )
  if (!TOKEN_SYNTAX.test(text))
    throw new BridgeTokenError(
      `${source}: the bridge token may hold only letters, digits and - . _ ~ + / (then = padding); e.g. \`openssl rand -hex 32\``,
    )
  return text
}

/**
 * The token from `--bridge-token-file PATH` (given as `file`), else $CLEARSKIES_BRIDGE_TOKEN_FILE,
 * else $CLEARSKIES_BRIDGE_TOKEN; undefined when none is set. Setting two is refused: which one
 * counts would otherwise be a guess the operator cannot see.
 */
export function readBridgeToken(
  file: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const path = file || env[BRIDGE_TOKEN_FILE_ENV] || undefined
  const inline = env[BRIDGE_TOKEN_ENV] || undefined
  if (path !== undefined && inline !== undefined)
    throw new BridgeTokenError(
      `the bridge token is set twice (a token file and $${BRIDGE_TOKEN_ENV}): set only one`,
    )
  if (inline !== undefined) return parseBridgeToken(inline, `$${BRIDGE_TOKEN_ENV}`)
  if (path === undefined) return undefined
  let content: string
  try {
    content = readFileSync(path, 'utf8')
  } catch (err) {
    throw new BridgeTokenError(
      `cannot read the bridge token file ${path}: ${err instanceof Error ? err.message : String(err)}`,
    )
  }
  // Editors and `echo` end files with a newline; it is not part of the token.
  return parseBridgeToken(content.replace(/\r?\n$/, ''), path)
}

export function bearerHeader(token: string): string {
  return `Bearer ${token}`
}

/** The token an `Authorization` header carries, or undefined when it is not a bearer token. */
export function bearerToken(header: string): string | undefined {
  return BEARER.exec(header)?.[1]
}

/** Constant time whatever the lengths: both sides are hashed to 32 bytes first. */
export function sameToken(given: string, expected: string): boolean {
  const digest = (t: string): Buffer => createHash('sha256').update(t).digest()
  return timingSafeEqual(digest(given), digest(expected))
}
