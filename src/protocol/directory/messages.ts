/**
 * The directory extension's messages (directory.md, "File Presence", "Changes to File Presence",
 * "Retrieving Files"), parsed into typed values at this edge. Payloads (the bloom filter's bits,
 * file data) travel beside the body as binary attachments and are not part of these types.
 */
import { FieldReader } from '../wire/fields'
import type { JsonObject } from '../wire/json-value'

export const SHA256_HEX = /^[0-9a-f]{64}$/
const MAX_ERROR_MESSAGE_CHARS = 1024

/** `[start, length]` in bytes (DESIGN.md, "directory.get ranges are [start, length]"). */
export interface ByteRange {
  start: bigint
  length: bigint
}

export type DirectoryMessage =
  | { type: 'directory.get_presence' }
  | { type: 'directory.bloom_filter'; kValue: number }
  | { type: 'directory.present'; sha256: string }
  | { type: 'directory.get'; sha256: string; range?: ByteRange }
  | { type: 'directory.data'; sha256: string; range?: ByteRange }
  | { type: 'directory.not_present'; sha256: string }
  | { type: 'directory.get_error'; sha256: string; message: string }

export const DIRECTORY_MESSAGE_TYPES: ReadonlySet<string> = new Set([
  'directory.get_presence',
  'directory.bloom_filter',
  'directory.present',
  'directory.get',
  'directory.data',
  'directory.not_present',
  'directory.get_error',
])

function range(r: FieldReader, body: JsonObject): ByteRange | undefined {
  if (!r.has('range')) return undefined
  const value = body.range
  if (!Array.isArray(value) || value.length !== 2) r.fail('range', 'must be [start, length]')
  const start = r.checkUint64('range[0]', value[0])
  const length = r.checkUint64('range[1]', value[1])
  return { start, length }
}

/** Parses a directory message; undefined for a type this extension does not define. */
export function parseDirectoryMessage(body: JsonObject): DirectoryMessage | undefined {
  const type = body.type
  if (typeof type !== 'string' || !DIRECTORY_MESSAGE_TYPES.has(type)) return undefined
  const r = new FieldReader(body, type)
  switch (type) {
    case 'directory.get_presence':
      return { type }
    case 'directory.bloom_filter':
      // directory.md: "`k` can be between 1 and 8"; the special one-byte filters carry a k too.
      return { type, kValue: r.integer('k_value', 0, 8) }
    case 'directory.present':
    case 'directory.not_present':
      return { type, sha256: r.string('sha256', 64, SHA256_HEX) }
    case 'directory.get':
    case 'directory.data': {
      const parsed = { type, sha256: r.string('sha256', 64, SHA256_HEX) } as {
        type: typeof type
        sha256: string
        range?: ByteRange
      }
      const byteRange = range(r, body)
      if (byteRange) parsed.range = byteRange
      return parsed
    }
    case 'directory.get_error':
      return {
        type,
        sha256: r.string('sha256', 64, SHA256_HEX),
        message: r.optionalString('message', MAX_ERROR_MESSAGE_CHARS) ?? '',
      }
  }
  return undefined
}

/** A message's body as it goes on the wire (with its `type`, as a link's `send` wants it). */
export function directoryBody(message: DirectoryMessage): JsonObject & { type: string } {
  switch (message.type) {
    case 'directory.get_presence':
      return { type: message.type }
    case 'directory.bloom_filter':
      return { type: message.type, k_value: message.kValue }
    case 'directory.present':
    case 'directory.not_present':
      return { type: message.type, sha256: message.sha256 }
    case 'directory.get':
    case 'directory.data': {
      const body: JsonObject & { type: string } = { type: message.type, sha256: message.sha256 }
      if (message.range) body.range = [rangeNumber(message.range.start), rangeNumber(message.range.length)]
      return body
    }
    case 'directory.get_error':
      return { type: message.type, sha256: message.sha256, message: message.message }
  }
}

/** Small integers travel as plain JSON numbers; only those past 2^53 need bigint. */
function rangeNumber(n: bigint): number | bigint {
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n
}
