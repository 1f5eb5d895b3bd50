/**
 * Field readers for message bodies: each checks one field of a wire object against a named
 * expectation and throws a MessageFieldError naming the message type, the field, the bound and
 * the value, so a closed connection's logged reason says exactly what was wrong.
 */
import { isJsonObject, type JsonObject, type JsonValue } from './json-value'

const MAX_QUOTED_CHARS = 40

/** A known message with a missing, mistyped or out-of-bounds field; `field` names it. */
export class MessageFieldError extends Error {
  readonly code: string = 'ERR_MESSAGE_FIELD'
  constructor(
    readonly messageType: string,
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${messageType}: field "${field}" ${problem}`)
  }
}

/** A short, printable rendering of an offending value for an error message. */
export function showValue(value: JsonValue | undefined): string {
  if (value === undefined) return 'missing'
  const text = typeof value === 'bigint' ? value.toString() : JSON.stringify(value)
  return text.length > MAX_QUOTED_CHARS ? `${text.slice(0, MAX_QUOTED_CHARS)}…` : text
}

export type FieldErrorFactory = (messageType: string, field: string, problem: string) => Error

export class FieldReader {
  constructor(
    private readonly obj: JsonObject,
    readonly messageType: string,
    private readonly makeError: FieldErrorFactory = (t, f, p) => new MessageFieldError(t, f, p),
  ) {}

  has(field: string): boolean {
    return this.obj[field] !== undefined && this.obj[field] !== null
  }

  fail(field: string, problem: string): never {
    throw this.makeError(this.messageType, field, problem)
  }

  string(field: string, maxChars: number, pattern?: RegExp): string {
    return this.checkString(field, this.obj[field], maxChars, pattern)
  }

  optionalString(field: string, maxChars: number, pattern?: RegExp): string | undefined {
    return this.has(field) ? this.string(field, maxChars, pattern) : undefined
  }

  boolean(field: string): boolean {
    const value = this.obj[field]
    if (typeof value !== 'boolean') this.fail(field, `must be true or false, got ${showValue(value)}`)
    return value
  }

  /** A JSON integer within [min, max] (small integers: versions, TTLs, timeouts). */
  integer(field: string, min: number, max: number): number {
    const value = this.obj[field]
    if (typeof value !== 'number' || !Number.isInteger(value))
      this.fail(field, `must be an integer, got ${showValue(value)}`)
    if (value < min || value > max) this.fail(field, `must be within [${min}, ${max}], got ${value}`)
    return value
  }

  /** A 64-bit unsigned integer (core.md, "64-bit Integers in JSON"), as a bigint whatever its size. */
  uint64(field: string, value: JsonValue | undefined = this.obj[field]): bigint {
    return this.checkUint64(field, value)
  }

  checkUint64(field: string, value: JsonValue | undefined): bigint {
    // A number may be an integer beyond 2^64 too (1e30 is a double, not a bigint).
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 2 ** 64)
      return BigInt(value)
    if (typeof value === 'bigint' && value >= 0n && value < 1n << 64n) return value
    return this.fail(field, `must be an integer from 0 to 2^64-1, got ${showValue(value)}`)
  }

  integerArray(field: string, maxItems: number, min: number, max: number): number[] {
    return this.array(field, maxItems).map((item, i) => {
      if (typeof item !== 'number' || !Number.isInteger(item) || item < min || item > max) {
        this.fail(`${field}[${i}]`, `must be an integer within [${min}, ${max}], got ${showValue(item)}`)
      }
      return item
    })
  }

  stringArray(
    field: string,
    maxItems: number,
    maxChars: number,
    value: JsonValue | undefined = this.obj[field],
  ): string[] {
    return this.array(field, maxItems, value).map((item, i) =>
      this.checkString(`${field}[${i}]`, item, maxChars),
    )
  }

  /** An optional array of strings, empty when absent. */
  optionalStringArray(field: string, maxItems: number, maxChars: number): string[] {
    return this.has(field) ? this.stringArray(field, maxItems, maxChars) : []
  }

  object(field: string, maxKeys: number): JsonObject {
    const value = this.obj[field]
    if (!isJsonObject(value)) this.fail(field, `must be an object, got ${showValue(value)}`)
    const keys = Object.keys(value).length
    if (keys > maxKeys) this.fail(field, `has ${keys} keys, more than the maximum ${maxKeys}`)
    return value
  }

  objectArray(field: string, maxItems: number): JsonObject[] {
    return this.array(field, maxItems).map((item, i) => {
      if (!isJsonObject(item)) this.fail(`${field}[${i}]`, `must be an object, got ${showValue(item)}`)
      return item
    })
  }

  /** Checks a value that is not itself a field of the top-level object (a map key, a map value). */
  checkString(field: string, value: JsonValue | undefined, maxChars: number, pattern?: RegExp): string {
    if (typeof value !== 'string') this.fail(field, `must be a string, got ${showValue(value)}`)
    if (value.length > maxChars)
      this.fail(field, `is ${value.length} characters, more than the maximum ${maxChars}`)
    if (pattern && !pattern.test(value))
      this.fail(field, `must match ${pattern.source}, got ${showValue(value)}`)
    return value
  }

  private array(
    field: string,
    maxItems: number,
    value: JsonValue | undefined = this.obj[field],
  ): JsonValue[] {
    if (!Array.isArray(value)) this.fail(field, `must be an array, got ${showValue(value)}`)
    if (value.length > maxItems)
      this.fail(field, `has ${value.length} items, more than the maximum ${maxItems}`)
    return value
  }
}
