/** Tracker messages: the draft's own examples parse, each bad field is named, and toWire inverts parsing. */
import { describe, expect, it } from 'vitest'
import { TrackerMessageError } from '../../../src/protocol/tracker/errors'
import { parseTrackerMessage, toWire } from '../../../src/protocol/tracker/messages'
import type { JsonObject } from '../../../src/protocol/wire/json-value'

const ID = '1bff33a239ae76ab89f94b3e582bcf7dde5549c141db6d3bf8f37b49b08d1075'
const PEER = 'be8b773c227f44c5110945e8254e722c'

// core.md, "Tracker Protocol", verbatim.
const DRAFT_EXAMPLES: JsonObject[] = [
  {
    type: 'tracker.greeting',
    software: 'clearskies tracker build 143',
    max_ttl: 3600,
    min_ttl: 60,
    your_ip: '1.22.1.184',
    protocol: [1],
    extensions: [],
  },
  { type: 'tracker.start', software: 'beetlebox 0.3.7', protocol: 1, ttl: 60, extensions: [] },
  {
    type: 'tracker.connection',
    addresses: [
      'tcp:192.168.1.2:49221',
      'tcp:1.2.1.1:49221',
      'tcp:[2600:3c01::f03c:91ff:feae:914c]:49221',
      'utp:1.2.1.1:3824',
    ],
  },
  {
    type: 'tracker.register',
    ids: {
      [ID]: PEER,
      '2da03f6f37cee78fb13e32f4fc5a261e1c57c173087ccc787fb2c4f24d3447d9': 'feeb61382cb9bbfb31ed4349727fa70c',
    },
  },
  { type: 'tracker.peers', id: ID, peers: { [PEER]: ['tcp:128.1.2.3:3512', 'utp:128.1.2.3:52012'] } },
  { type: 'tracker.ping' },
  {
    type: '.org.clearskies.signal.relay',
    id: ID,
    from: PEER,
    to: 'feeb61382cb9bbfb31ed4349727fa70c',
    signal: { type: 'offer', sdp: 'v=0' },
  },
]

describe('tracker messages', () => {
  it.each(DRAFT_EXAMPLES.map((m) => [m.type, m]))(
    '%s: parses and goes back to the same wire object',
    (_type, wire) => {
      const parsed = parseTrackerMessage(wire)
      expect(parsed.type).not.toBe('unknown')
      if (parsed.type === 'unknown') return
      expect(toWire(parsed)).toEqual(wire)
    },
  )

  it('treats a greeting without extensions as offering none (core.md: "an optional list")', () => {
    const { extensions: _omitted, ...greeting } = DRAFT_EXAMPLES[0]!
    expect(parseTrackerMessage(greeting)).toMatchObject({ extensions: [] })
  })

  it('compares IDs and peer IDs in lower case', () => {
    const parsed = parseTrackerMessage({
      type: 'tracker.register',
      ids: { [ID.toUpperCase()]: PEER.toUpperCase() },
    })
    expect(parsed).toEqual({ type: 'tracker.register', ids: new Map([[ID, PEER]]) })
  })

  it('reports an unknown type, to be ignored', () => {
    expect(parseTrackerMessage({ type: 'tracker.fancy', x: 1 })).toEqual({
      type: 'unknown',
      wireType: 'tracker.fancy',
    })
  })

  it.each([
    [{ type: 7 }, 'message', 'type', /must be a string/],
    [
      { type: 'tracker.start', software: 'x', protocol: 1, ttl: 0 },
      'tracker.start',
      'ttl',
      /within \[1, 86400\], got 0/,
    ],
    [
      { type: 'tracker.start', software: 'x', protocol: 1, ttl: 1.5 },
      'tracker.start',
      'ttl',
      /must be an integer, got 1.5/,
    ],
    [
      { type: 'tracker.start', protocol: 1, ttl: 60 },
      'tracker.start',
      'software',
      /must be a string, got missing/,
    ],
    [
      { type: 'tracker.greeting', software: 'x', max_ttl: 60, min_ttl: 1, your_ip: '::1', protocol: ['1'] },
      'tracker.greeting',
      'protocol[0]',
      /must be an integer/,
    ],
    [
      { type: 'tracker.connection', addresses: Array.from({ length: 17 }, () => 'tcp:1.2.3.4:5') },
      'tracker.connection',
      'addresses',
      /17 items, more than the maximum 16/,
    ],
    [
      { type: 'tracker.connection', addresses: ['x'.repeat(257)] },
      'tracker.connection',
      'addresses[0]',
      /257 characters, more than the maximum 256/,
    ],
    [{ type: 'tracker.register', ids: { nothex: PEER } }, 'tracker.register', 'ids key', /must match/],
    [{ type: 'tracker.register', ids: { [ID]: 'short' } }, 'tracker.register', `ids.${ID}`, /must match/],
    [{ type: 'tracker.register', ids: [] }, 'tracker.register', 'ids', /must be an object/],
    [
      { type: 'tracker.peers', id: ID, peers: { [PEER]: 'tcp:1.2.3.4:5' } },
      'tracker.peers',
      `peers.${PEER}`,
      /must be an array/,
    ],
    [
      { type: '.org.clearskies.signal.relay', id: ID, from: PEER, to: PEER, signal: 'offer' },
      '.org.clearskies.signal.relay',
      'signal',
      /must be an object/,
    ],
    [
      { type: '.org.clearskies.signal.relay', id: ID, from: PEER, signal: {} },
      '.org.clearskies.signal.relay',
      'to',
      /must be a string, got missing/,
    ],
  ] as Array<[JsonObject, string, string, RegExp]>)(
    'names the field at fault: %j',
    (wire, messageType, field, problem) => {
      expect(() => parseTrackerMessage(wire)).toThrow(TrackerMessageError)
      expect(() => parseTrackerMessage(wire)).toThrow(
        expect.objectContaining({
          code: 'ERR_TRACKER_MESSAGE',
          messageType,
          field,
          message: expect.stringMatching(problem),
        }),
      )
    },
  )
})
