/**
 * Lossless JSON (core.md, "64-bit Integers in JSON"): integers beyond 2^53 parse to `bigint` and
 * print back digit for digit. Plain `JSON.parse` would round 3762440519426216896 to
 * 3762440519426216960, and a file size or vector clock off by 64 is a corrupt file or a lost update.
 */
import { type NumberStringifier, parse, stringify } from 'lossless-json'
import type { JsonObject, JsonValue } from './json-value'

export class JsonError extends Error {
  readonly code = 'ERR_JSON'
}

const INTEGER = /^-?\d+$/

/** Safe integers and every non-integer become `number`; only integers that would lose digits become `bigint`. */
function parseNumber(text: string): number | bigint {
  if (INTEGER.test(text)) {
    const n = Number(text)
    return Number.isSafeInteger(n) ? n : BigInt(text)
  }
  const n = Number(text)
  // JSON has no Infinity: 1e400 would otherwise come back out as the invalid token `Infinity`.
  if (!Number.isFinite(n)) throw new JsonError(`number ${text.slice(0, 40)} is beyond the range of a double`)
  return n
}

/**
 * Text in which JSON.parse could get a number wrong: a number (where a value starts: at the
 * beginning, or after `:`, `,` or `[` and whitespace) with 16 or more digits in a row (an integer
 * beyond 2^53 has at least 16) or a three-digit exponent (beyond a double). The same inside a
 * string only costs the slower parser, but bare digit runs and `e123` alone were far too common
 * in hex: most SHA-256s have an `e` before three digits. Everything else takes the native parser,
 * twenty times faster, and gives the very same values.
 */
const MAYBE_UNSAFE_NUMBER = /(?:^|[:,[])\s*-?(?:\d{16}|\d+(?:\.\d+)?[eE][+-]?\d{3})/

/**
 * Duplicate keys: the last one wins, as with JSON.parse and the JSON libraries of Python and Go
 * that other peers use, so that both our parsers agree (docs/protocol-notes/wire.md).
 */
const LOSSLESS_OPTIONS = { parseNumber, onDuplicateKey: ({ newValue }: { newValue: unknown }) => newValue }

export function parseJson(text: string): JsonValue {
  try {
    return (
      MAYBE_UNSAFE_NUMBER.test(text) ? parse(text, null, LOSSLESS_OPTIONS) : JSON.parse(text)
    ) as JsonValue
  } catch (err) {
    if (err instanceof JsonError) throw err
    throw new JsonError(err instanceof Error ? err.message : String(err), { cause: err })
  }
}

/**
 * A double that holds an integer beyond 2^53 prints as its exact digits (2 ** 60 as
 * 1152921504606846976, not JavaScript's 1152921504606847000), so it parses back to the same value.
 */
const exactLargeIntegers: NumberStringifier = {
  test: (value) => typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value),
  stringify: (value) => BigInt(value as number).toString(),
}

export function stringifyJson(value: JsonValue | JsonObject): string {
  const text = stringify(value, null, undefined, [exactLargeIntegers])
  // lossless-json returns undefined only for undefined or functions, which JsonValue excludes.
  if (text === undefined) throw new JsonError('value has no JSON form')
  return text
}
