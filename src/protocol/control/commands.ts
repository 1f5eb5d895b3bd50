/**
 * The control vocabulary (control.md): one set of commands for the daemon's control socket and the
 * browser worker's API, so every front end drives every peer the same way. Requests are parsed
 * here into typed commands; anything else is answered `not_understood`.
 */
import { parseTcpAddress, tcpAddressText, type TcpAddress } from '../tracker/addresses'
import { FieldReader, MessageFieldError } from '../wire/fields'
import { isJsonObject, type JsonObject, type JsonValue } from '../wire/json-value'

const MAX_PATH_CHARS = 4096
const MAX_CODE_CHARS = 256
const MAX_KEY_CHARS = 128
const MAX_CONFIG_KEYS = 256
const MAX_ADDRESS_CHARS = 512
const MAX_PEER_ADDRESSES = 64

/** control.md names three modes; "untrusted" belongs to an extension we do not implement yet. */
export type ShareMode = 'read_write' | 'read_only'
const SHARE_MODES: readonly string[] = ['read_write', 'read_only']

/** Our own commands, prefixed as control.md asks of extensions. */
export const EXT = '.org.clearskies'

export type ControlCommand =
  | { type: 'status' }
  | { type: 'pause'; path?: string }
  | { type: 'resume'; path?: string }
  | { type: 'stop' }
  | { type: 'create_share'; path: string }
  | { type: 'list_shares' }
  /** `peers` is ours: addresses to dial for the code's creator (control.md's clients leave it out). */
  | { type: 'add_share'; code: string; path: string; peers: string[] }
  | { type: 'remove_share'; path: string }
  | { type: 'create_access_code'; path: string; mode: ShareMode; multiUse: boolean; expiresInS?: number }
  | { type: 'get_config' }
  | { type: 'set_config'; config: JsonObject }
  | { type: 'get_config_value'; key: string }
  | { type: 'set_config_value'; key: string; value: JsonValue }
  | { type: `${typeof EXT}.list_peers`; path?: string }
  /** Parsed here, so a typo is refused at once instead of failing at every dial; the daemon dials only tcp:. */
  | { type: `${typeof EXT}.add_peer`; path: string; address: TcpAddress }
  | { type: `${typeof EXT}.cancel_access_code`; code: string }
  | { type: `${typeof EXT}.extend_access_code`; code: string; multiUse?: boolean; expiresInS?: number }

export type ControlCommandType = ControlCommand['type']

/** control.md's error response: a machine-readable condition and a sentence for people. */
export interface ControlError {
  error: string
  message: string
}

export class ControlCommandError extends Error {
  constructor(
    readonly error: string,
    message: string,
  ) {
    super(message)
  }

  toResponse(): ControlError {
    return { error: this.error, message: this.message }
  }
}

const notUnderstood = (message: string) => new ControlCommandError('not_understood', message)

export function parseControlCommand(request: JsonValue): ControlCommand {
  if (!isJsonObject(request)) throw notUnderstood('a command is a JSON object with a "type"')
  const type = request.type
  if (typeof type !== 'string') throw notUnderstood('the command has no "type"')
  const r = new FieldReader(request, type, (t, f, p) => notUnderstood(new MessageFieldError(t, f, p).message))
  const path = () => r.string('path', MAX_PATH_CHARS)
  const optionalPath = () => r.optionalString('path', MAX_PATH_CHARS)
  const expires = () => (r.has('expires') ? r.integer('expires', 1, 10 * 365 * 86_400) : undefined)
  switch (type) {
    case 'status':
    case 'stop':
    case 'list_shares':
    case 'get_config':
      return { type }
    case 'pause':
    case 'resume':
      return withOptional({ type }, 'path', optionalPath())
    case 'create_share':
    case 'remove_share':
      return { type, path: path() }
    case 'add_share':
      return {
        type,
        code: r.string('code', MAX_CODE_CHARS),
        path: path(),
        // Dialled as add_peer's are, so refused as theirs are: a typo would fail at every dial, unseen.
        peers: r
          .optionalStringArray('peers', MAX_PEER_ADDRESSES, MAX_ADDRESS_CHARS)
          .map((peer) => tcpAddressText(parseTcpAddress(peer))),
      }
    case 'create_access_code': {
      const mode = r.optionalString('mode', 32) ?? 'read_write'
      if (!SHARE_MODES.includes(mode)) r.fail('mode', `must be read_write or read_only, got "${mode}"`)
      const multiUse = r.has('multi_use') ? r.boolean('multi_use') : false
      return withOptional({ type, path: path(), mode: mode as ShareMode, multiUse }, 'expiresInS', expires())
    }
    case 'set_config':
      return { type, config: r.object('config', MAX_CONFIG_KEYS) }
    case 'get_config_value':
      return { type, key: r.string('key', MAX_KEY_CHARS) }
    case 'set_config_value': {
      const value = request.value
      if (value === undefined) return r.fail('value', 'is missing')
      return { type, key: r.string('key', MAX_KEY_CHARS), value }
    }
    case `${EXT}.list_peers`:
      return withOptional({ type }, 'path', optionalPath())
    case `${EXT}.add_peer`:
      return { type, path: path(), address: parseTcpAddress(r.string('address', MAX_ADDRESS_CHARS)) }
    case `${EXT}.cancel_access_code`:
      return { type, code: r.string('code', MAX_CODE_CHARS) }
    case `${EXT}.extend_access_code`: {
      const command: ControlCommand = { type, code: r.string('code', MAX_CODE_CHARS) }
      if (r.has('multi_use')) command.multiUse = r.boolean('multi_use')
      const e = expires()
      if (e !== undefined) command.expiresInS = e
      return command
    }
    default:
      throw notUnderstood(`unknown command "${type.slice(0, 64)}"`)
  }
}

function withOptional<T extends object, K extends string, V>(
  command: T,
  key: K,
  value: V | undefined,
): T & { [P in K]?: V } {
  if (value !== undefined) (command as Record<string, unknown>)[key] = value
  return command
}
