/** The edge where body bytes become a trusted `WireBody`: UTF-8, then lossless JSON, then shape. */
import { strictUtf8Decoder } from './bytes'
import { WireError, WireErrorCode } from './errors'
import { isJsonObject } from './json-value'
import { JsonError, parseJson } from './json'
import type { WireBody } from './message'

/** @param offset the stream offset of the body's first byte, for errors. */
export function parseBody(bytes: Uint8Array, offset: number): WireBody {
  let text: string
  try {
    text = strictUtf8Decoder.decode(bytes)
  } catch (err) {
    throw new WireError(WireErrorCode.Utf8, `the ${bytes.byteLength}-byte body is not valid UTF-8`, offset, {
      cause: err,
    })
  }
  let value
  try {
    value = parseJson(text)
  } catch (err) {
    if (!(err instanceof JsonError)) throw err
    throw new WireError(WireErrorCode.Json, `the body is not valid JSON: ${err.message}`, offset, {
      cause: err,
    })
  }
  if (!isJsonObject(value)) {
    throw new WireError(WireErrorCode.Body, 'the body is not a JSON object', offset)
  }
  if (typeof value.type !== 'string') {
    throw new WireError(
      WireErrorCode.Body,
      `the body has no string "type" member (got ${describeType(value.type)})`,
      offset,
    )
  }
  return value as WireBody
}

function describeType(value: unknown): string {
  if (value === undefined) return 'none'
  if (value === null) return 'null'
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`
}
