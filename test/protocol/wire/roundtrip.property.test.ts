/**
 * Encode then decode is the identity, for any message and any way the stream is cut (the model is
 * js-libp2p-yamux test/decode.spec.ts). fast-check prints the seed and the shrunk case on failure.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  encodeBody,
  encodeChunkHeader,
  encodeFrame,
  encodePayloadEnd,
  type JsonValue,
  type WireBody,
} from '../../../src/protocol/wire'
import { concatBytes } from '../../../src/protocol/wire/bytes'
import { decodeSlices, splitAt } from './decode-all'

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

/** JSON values as the wire carries them: bigint exactly where a number would lose digits. */
const jsonValue: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    // A double that is an integer beyond 2^53 prints as digits and so comes back as the bigint of the
    // same value (json.test.ts holds that); -0 prints as 0.
    fc
      .double({ noNaN: true, noDefaultInfinity: true })
      .filter((n) => !Object.is(n, -0) && !(Number.isInteger(n) && !Number.isSafeInteger(n))),
    fc.oneof(
      fc.bigInt({ min: MAX_SAFE + 1n, max: 2n ** 64n }),
      fc.bigInt({ min: -(2n ** 63n), max: -MAX_SAFE - 1n }),
    ),
    fc.string({ unit: 'grapheme' }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string(), tie('value'), { maxKeys: 4 }),
  ),
})).value

const body: fc.Arbitrary<WireBody> = fc
  .tuple(
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.dictionary(fc.string(), jsonValue, { maxKeys: 5 }),
  )
  .map(([type, rest]) => ({ ...rest, type }))

const signature = fc
  .uint8Array({ minLength: 1, maxLength: 300 })
  .map((b) => Buffer.from(b).toString('base64'))

const message = fc.record({
  body,
  signature: fc.option(signature, { nil: undefined }),
  payload: fc.option(fc.array(fc.uint8Array({ minLength: 1, maxLength: 200 }), { maxLength: 4 }), {
    nil: undefined,
  }),
  /** Whether the writer counts the body's newline (ours do) or leaves it out (the reader must cope). */
  newlineInLength: fc.boolean(),
})
type Message = typeof message extends fc.Arbitrary<infer T> ? T : never

function encode(m: Message): Uint8Array {
  const bodyBytes = encodeBody(m.body)
  const frame = encodeFrame(bodyBytes, { signature: m.signature, withPayload: m.payload !== undefined })
  const parts: Uint8Array[] = [
    m.newlineInLength ? frame : withoutNewlineInLength(frame, bodyBytes.byteLength - 1),
  ]
  for (const chunk of m.payload ?? []) parts.push(encodeChunkHeader(chunk.byteLength), chunk)
  if (m.payload) parts.push(encodePayloadEnd())
  return concatBytes(parts)
}

/** Rewrites `m<n+1>{…}\n` to `m<n>{…}\n`: the same bytes, with the newline now outside the length. */
function withoutNewlineInLength(frame: Uint8Array, jsonBytes: number): Uint8Array {
  const text = Buffer.from(frame).toString('latin1')
  const header = /^[m!s$](\d+)/.exec(text)!
  return Buffer.from(`${text[0]}${jsonBytes}${text.slice(header[0].length)}`, 'latin1')
}

describe('wire round trip', () => {
  it('decodes any sequence of messages, cut anywhere, to what was encoded', () => {
    fc.assert(
      fc.property(
        fc.array(message, { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (messages, cuts) => {
          const bytes = concatBytes(messages.map(encode))
          const decoded = decodeSlices(
            splitAt(
              bytes,
              cuts.map((c) => c % (bytes.byteLength + 1)),
            ),
          )
          expect(decoded).toHaveLength(messages.length)
          decoded.forEach((d, i) => {
            const m = messages[i]!
            expect(d.message.body).toEqual(m.body)
            expect(d.message.type).toBe(m.body.type)
            expect(d.message.signature).toBe(m.signature ?? null)
            expect(d.payload).toEqual(m.payload ? concatBytes(m.payload) : null)
          })
        },
      ),
      { numRuns: 300, verbose: 1 },
    )
  })

  it('decodes a stream fed one byte at a time', () => {
    fc.assert(
      fc.property(message, (m) => {
        const bytes = encode(m)
        const decoded = decodeSlices(Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)))
        expect(decoded[0]!.message.body).toEqual(m.body)
        expect(decoded[0]!.payload).toEqual(m.payload ? concatBytes(m.payload) : null)
      }),
      { numRuns: 100, verbose: 1 },
    )
  })
})
