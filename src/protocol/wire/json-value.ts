/**
 * JSON as it travels in ClearSkies messages. Integers outside JavaScript's safe range (file sizes,
 * revisions, vector clock counters: core.md, "64-bit Integers in JSON") are `bigint`, so they
 * round-trip exactly; every other number is a `number`.
 */
export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | JsonObject
export interface JsonObject {
  [key: string]: JsonValue
}

export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
