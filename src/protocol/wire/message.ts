/**
 * The shapes of a wire message (core.md, "Wire Protocol"). The prefix says what follows the body:
 * `m` nothing, `!` a binary payload, `s` a signature, `$` a signature and then a payload.
 */
import type { JsonObject } from './json-value'

export type WirePrefix = 'm' | '!' | 's' | '$'

/** A JSON body as written: an object with a "type" (core.md: "The object will have a "type" member"). */
export type WireBody = JsonObject & { type: string }

export function prefixFor(signed: boolean, withPayload: boolean): WirePrefix {
  if (signed) return withPayload ? '$' : 's'
  return withPayload ? '!' : 'm'
}

export function isSignedPrefix(prefix: WirePrefix): boolean {
  return prefix === 's' || prefix === '$'
}

export function hasPayloadPrefix(prefix: WirePrefix): boolean {
  return prefix === '!' || prefix === '$'
}

/** A decoded message header and body; its payload, if any, follows as separate events. */
export interface WireMessage {
  readonly prefix: WirePrefix
  readonly type: string
  readonly body: WireBody
  /** The body exactly as received (what a signature covers, and what a read-only peer repeats verbatim). */
  readonly bodyBytes: Uint8Array
  /** The base64 signature text as received, for `s` and `$`; null otherwise. */
  readonly signature: string | null
  readonly hasPayload: boolean
  /** Stream offset of the prefix byte. */
  readonly offset: number
}

/** What the decoder emits, in stream order. */
export type WireEvent =
  | { readonly kind: 'message'; readonly message: WireMessage }
  /** A slice of payload bytes: a view into the decoder's input, never a copy. */
  | { readonly kind: 'payload'; readonly data: Uint8Array }
  | { readonly kind: 'payload-end' }
