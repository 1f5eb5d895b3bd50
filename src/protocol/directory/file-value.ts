import { isJsonObject, type JsonObject, type JsonValue } from '../wire/json-value'
import { formatTimestamp, parseTimestamp, timestampIsWritable, type Nanoseconds } from '../wire/timestamp'

/**
 * The value of a directory record (directory.md, "Database fields"): a JSON object with
 * `size` ("a 64-bit integer") and `sha256`, both null for directories, and the optional `mtime`,
 * `unix_mode` and `conflict_source`.
 *
 * "If an implementation does not support them, values that were originally set by other peers
 * should not be erased", and extension fields "should be ignored if not understood, but preserved
 * in the database for other clients' benefit": every field this module does not understand is
 * kept in `extra` and written back unchanged. An optional field that is present but malformed is
 * kept the same way (raw, in `extra`) and named in `warnings`, so one peer's odd `mtime` neither
 * blocks the file nor is erased.
 */
export type FileValue = RegularFileValue | DirectoryValue

interface CommonFields {
  /** "Timestamp when file was last modified", nanoseconds since the epoch. */
  readonly mtime?: Nanoseconds
  /** The permission bits as a number (0o644), see `unix_mode` below for the wire form. */
  readonly unixMode?: number
  /** directory.md, "Conflicts": "references the `uuid` of the original record". */
  readonly conflictSource?: string
  /** Every other field, as received, in received order. */
  readonly extra: JsonObject
}

export interface RegularFileValue extends CommonFields {
  readonly kind: 'file'
  /** Bytes; a bigint so that every 64-bit value round-trips exactly. */
  readonly size: bigint
  /** 64 lowercase hex digits. */
  readonly sha256: string
}

export interface DirectoryValue extends CommonFields {
  readonly kind: 'directory'
}

export interface ParsedFileValue {
  readonly value: FileValue
  /** Optional fields that were malformed and so are preserved raw but not used. */
  readonly warnings: readonly string[]
}

export class FileValueError extends Error {
  readonly code = 'ERR_FILE_VALUE'
}

export const MAX_FILE_SIZE = (1n << 63n) - 1n
const SHA256_HEX = /^[0-9a-f]{64}$/u
const OCTAL_MODE_DIGITS = /^(?:0o)?([0-7]{1,6})$/u
/** Permission, setuid/setgid/sticky bits: what `unix_mode` may carry (the file type is the record's kind). */
const MAX_MODE = 0o7777

export function isSha256Hex(value: unknown): value is string {
  return typeof value === 'string' && SHA256_HEX.test(value)
}

export function parseFileValue(json: JsonValue): ParsedFileValue {
  if (!isJsonObject(json))
    throw new FileValueError(`a directory record value is a JSON object, not ${describe(json)}`)
  const { size, sha256, mtime, unix_mode: mode, conflict_source: source, ...unknown } = json
  const extra: JsonObject = { ...unknown }
  const warnings: string[] = []
  const optional = <T>(
    key: string,
    raw: JsonValue | undefined,
    parse: (raw: JsonValue) => T,
  ): T | undefined => {
    if (raw === undefined || raw === null) return undefined
    try {
      return parse(raw)
    } catch (err) {
      extra[key] = raw
      warnings.push(`${key}: ${(err as Error).message}; kept as received`)
      return undefined
    }
  }
  const common = {
    mtime: optional('mtime', mtime, parseMtime),
    unixMode: optional('unix_mode', mode, parseUnixMode),
    conflictSource: optional('conflict_source', source, parseConflictSource),
    extra,
  }
  if (size === null && sha256 === null) return { value: { kind: 'directory', ...common }, warnings }
  if (size === null || sha256 === null) {
    throw new FileValueError('`size` and `sha256` are either both null (a directory) or both set (a file)')
  }
  return { value: { kind: 'file', size: parseSize(size), sha256: parseSha256(sha256), ...common }, warnings }
}

function parseSize(raw: JsonValue | undefined): bigint {
  if (raw === undefined) throw new FileValueError('`size` is required')
  if (typeof raw === 'number' && !Number.isSafeInteger(raw)) {
    throw new FileValueError(`\`size\` ${raw} is not an exact integer`)
  }
  if (typeof raw !== 'number' && typeof raw !== 'bigint') {
    throw new FileValueError(`\`size\` is a 64-bit integer, not ${describe(raw)}`)
  }
  const size = BigInt(raw)
  if (size < 0n || size > MAX_FILE_SIZE) {
    throw new FileValueError(`\`size\` ${size} is outside 0..${MAX_FILE_SIZE}`)
  }
  return size
}

function parseSha256(raw: JsonValue | undefined): string {
  if (!isSha256Hex(raw))
    throw new FileValueError(`\`sha256\` is 64 lowercase hex digits, not ${describe(raw)}`)
  return raw
}

function parseMtime(raw: JsonValue): Nanoseconds {
  if (typeof raw !== 'string') throw new FileValueError(`an ISO 8601 string, not ${describe(raw)}`)
  return parseTimestamp(raw)
}

/**
 * "Unix mode bits, as an octal number". JSON has no octal literals, so we write a JSON integer
 * whose decimal digits are the octal digits (0o644 is written `644`), which is the draft read
 * literally, and read that or a string of octal digits (`"0644"`, `"0o644"`, as the draft's own
 * `'0600'` is quoted). An integer with an 8 or a 9 in it cannot be octal and is refused rather
 * than guessed at (it is kept raw, see above).
 */
export function parseUnixMode(raw: JsonValue): number {
  const digits = typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0 ? String(raw) : raw
  const match = typeof digits === 'string' ? OCTAL_MODE_DIGITS.exec(digits) : null
  if (!match?.[1]) throw new FileValueError(`\`unix_mode\` is octal digits, not ${describe(raw)}`)
  const mode = parseInt(match[1], 8)
  if (mode > MAX_MODE) throw new FileValueError(`\`unix_mode\` 0o${mode.toString(8)} is above 0o7777`)
  return mode
}

export function formatUnixMode(mode: number): number {
  return Number(mode.toString(8))
}

function parseConflictSource(raw: JsonValue): string {
  if (typeof raw !== 'string' || raw === '') throw new FileValueError(`a record uuid, not ${describe(raw)}`)
  return raw
}

/** The JSON object for the database: known fields first, then every preserved field. */
export function serializeFileValue(value: FileValue): JsonObject {
  const out: JsonObject =
    value.kind === 'file'
      ? {
          size: value.size <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value.size) : value.size,
          sha256: value.sha256,
        }
      : { size: null, sha256: null }
  // A local file can carry a time no datetime value can write (tmpfs and btrfs take years past
  // 9999): `mtime` is optional, so such a file is recorded without one rather than not at all.
  if (value.mtime !== undefined && timestampIsWritable(value.mtime)) out.mtime = formatTimestamp(value.mtime)
  if (value.unixMode !== undefined) out.unix_mode = formatUnixMode(value.unixMode)
  if (value.conflictSource !== undefined) out.conflict_source = value.conflictSource
  for (const [key, field] of Object.entries(value.extra)) {
    // defineProperty, not `out[key] =`: a peer's "__proto__" field is data, not our prototype.
    if (!Object.hasOwn(out, key))
      Object.defineProperty(out, key, { value: field, enumerable: true, writable: true, configurable: true })
  }
  return out
}

function describe(value: JsonValue | undefined): string {
  if (value === undefined) return 'missing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return JSON.stringify(value.length > 70 ? `${value.slice(0, 70)}…` : value)
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`
}
