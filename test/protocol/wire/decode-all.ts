/** Test helper: runs a WireDecoder over a stream cut into the given slices and gathers what it emits. */
import { WireDecoder, type WireMessage } from '../../../src/protocol/wire'
import { concatBytes } from '../../../src/protocol/wire/bytes'

export interface DecodedMessage {
  message: WireMessage
  /** The payload's slices joined, or null for `m` and `s`. */
  payload: Uint8Array | null
  /** How many payload events it came in. */
  payloadEvents: number
}

export function decodeSlices(slices: readonly Uint8Array[]): DecodedMessage[] {
  const decoder = new WireDecoder()
  const out: DecodedMessage[] = []
  let parts: Uint8Array[] = []
  for (const slice of slices) {
    decoder.push(slice, (event) => {
      if (event.kind === 'message') {
        out.push({ message: event.message, payload: null, payloadEvents: 0 })
        parts = []
      } else if (event.kind === 'payload') {
        parts.push(event.data)
        out[out.length - 1]!.payloadEvents++
      } else {
        out[out.length - 1]!.payload = concatBytes(parts)
      }
    })
  }
  decoder.finish()
  return out
}

export function decodeBytes(bytes: Uint8Array): DecodedMessage[] {
  return decodeSlices([bytes])
}

/** Cuts bytes at the given offsets (sorted, deduplicated, clamped), for "any split" tests. */
export function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.max(0, Math.min(bytes.byteLength, c))))].sort(
    (a, b) => a - b,
  )
  const slices: Uint8Array[] = []
  let from = 0
  for (const p of [...points, bytes.byteLength]) {
    slices.push(bytes.subarray(from, p))
    from = p
  }
  return slices
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s)
export const str = (b: Uint8Array): string => new TextDecoder().decode(b)
