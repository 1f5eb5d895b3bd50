/** Tracker framing over the wire codec: any split decodes the same; payloads, signatures and oversize bodies are refused. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { TrackerFramingError } from '../../../src/protocol/tracker/errors'
import { encodeTrackerMessage, TrackerMessageDecoder } from '../../../src/protocol/tracker/framing'
import type { WireBody } from '../../../src/protocol/wire/message'

const encoder = new TextEncoder()
const MESSAGES: WireBody[] = [
  { type: 'tracker.ping' },
  { type: 'tracker.connection', addresses: ['tcp:192.0.2.1:49221', 'webrtc:ab'] },
  {
    type: '.org.clearskies.signal.relay',
    id: 'a'.repeat(64),
    from: 'b'.repeat(32),
    to: 'c'.repeat(32),
    signal: { sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n', big: 2n ** 63n },
  },
]

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.byteLength
  }
  return out
}

describe('tracker framing', () => {
  it('writes plain m messages with the newline counted in the length', () => {
    expect(new TextDecoder().decode(encodeTrackerMessage({ type: 'tracker.ping' }))).toBe(
      'm24{"type":"tracker.ping"}\n',
    )
  })

  it('decodes the same messages however the bytes are split', () => {
    const stream = concat(MESSAGES.map((m) => encodeTrackerMessage(m)))
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: stream.byteLength - 1 }), { maxLength: 12 }),
        (cuts) => {
          const decoder = new TrackerMessageDecoder(4096)
          const bounds = [0, ...cuts.sort((a, b) => a - b), stream.byteLength]
          const out: WireBody[] = []
          for (let i = 1; i < bounds.length; i++)
            out.push(...decoder.push(stream.subarray(bounds[i - 1], bounds[i])))
          expect(out).toEqual(MESSAGES)
        },
      ),
      { seed: Number(process.env.FC_SEED ?? Date.now() % 2 ** 31), verbose: true },
    )
  })

  it.each([
    ['a payload message', '!23{"type":"tracker.ping"}\n0\n', 'ERR_TRACKER_FRAMING', /prefix '!'/],
    ['a byte that is no prefix', 'hello', 'ERR_TRACKER_FRAMING', /expected a message prefix/],
    [
      'a body over the bound',
      encodeTrackerMessage({ type: 'x', pad: 'x'.repeat(2000) }),
      'ERR_TRACKER_TOO_LARGE',
      /exceeds maximum 1024 bytes/,
    ],
  ])('refuses %s', (_name, input, code, message) => {
    const bytes = typeof input === 'string' ? encoder.encode(input) : input
    expect(() => new TrackerMessageDecoder(1024).push(bytes)).toThrow(TrackerFramingError)
    expect(() => new TrackerMessageDecoder(1024).push(bytes)).toThrow(
      expect.objectContaining({ code, message: expect.stringMatching(message) }),
    )
  })

  it('refuses an oversize body before it is complete', () => {
    const decoder = new TrackerMessageDecoder(1024)
    expect(decoder.push(encoder.encode('m100000{"type":"x","pad":"'))).toEqual([])
    expect(() => decoder.push(encoder.encode('y'.repeat(1100)))).toThrow(
      /exceeds maximum 1024 bytes \(\d+ bytes and not complete\)/,
    )
  })

  it('accepts many small messages over time without counting them toward the bound', () => {
    const decoder = new TrackerMessageDecoder(256)
    const ping = encodeTrackerMessage({ type: 'tracker.ping' })
    for (let i = 0; i < 100; i++) expect(decoder.push(ping)).toHaveLength(1)
  })
})
