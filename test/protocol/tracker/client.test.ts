/** The tracker client: the state machine alone, then its driver over an in-memory pipe against a scripted tracker. */
import { describe, expect, it, vi } from 'vitest'
import { createMemoryPipe } from '../../../src/protocol/stream/memory-pipe'
import { TrackerClient, type TrackerClientEvent } from '../../../src/protocol/tracker/client'
import { runTrackerClient } from '../../../src/protocol/tracker/client-driver'
import { TrackerProtocolError } from '../../../src/protocol/tracker/errors'
import { encodeTrackerMessage, TrackerMessageDecoder } from '../../../src/protocol/tracker/framing'
import { toWire, type TrackerGreeting } from '../../../src/protocol/tracker/messages'
import type { WireBody } from '../../../src/protocol/wire/message'

const ID = 'a'.repeat(64)
const ME = 'b'.repeat(32)
const YOU = 'c'.repeat(32)
const GREETING: TrackerGreeting = {
  type: 'tracker.greeting',
  software: 'test tracker',
  maxTtlSeconds: 600,
  minTtlSeconds: 30,
  yourIp: '192.0.2.1',
  protocol: [1],
  extensions: ['.org.clearskies.signal'],
}

function sent(client: TrackerClient): WireBody[] {
  return client.take().messages.map(toWire)
}

describe('TrackerClient', () => {
  it('answers the greeting with start (TTL clamped, extension if offered), then addresses and IDs', () => {
    const client = new TrackerClient({ software: 'me', ttlSeconds: 5, signaling: true })
    client.setIds(new Map([[ID.toUpperCase(), ME]]))
    client.setAddresses(['tcp:192.0.2.2:4000'])
    expect(sent(client)).toEqual([])
    client.handle(GREETING, 1000)
    expect(sent(client)).toEqual([
      { type: 'tracker.start', software: 'me', protocol: 1, ttl: 30, extensions: ['.org.clearskies.signal'] },
      { type: 'tracker.connection', addresses: ['tcp:192.0.2.2:4000'] },
      { type: 'tracker.register', ids: { [ID]: ME } },
    ])
  })

  it('does not ask for the extension when the tracker does not offer it', () => {
    const client = new TrackerClient({ software: 'me', ttlSeconds: 60, signaling: true })
    client.handle({ ...GREETING, extensions: [] }, 0)
    expect(sent(client)[0]).toMatchObject({ extensions: [] })
    client.setIds(new Map([[ID, ME]]))
    expect(() => client.sendSignal(ID, YOU, {})).toThrow(/did not activate .org.clearskies.signal/)
  })

  it('pings twice per TTL', () => {
    const client = new TrackerClient({ software: 'me', ttlSeconds: 60, signaling: false })
    client.handle(GREETING, 0)
    client.take()
    expect(client.pingDueAtMs()).toBe(30_000)
    client.tick(29_999)
    expect(sent(client)).toEqual([])
    client.tick(30_000)
    expect(sent(client)).toEqual([{ type: 'tracker.ping' }])
    expect(client.pingDueAtMs()).toBe(60_000)
  })

  it('delivers peer lists and signals only for its own IDs and peer ID', () => {
    const client = new TrackerClient({ software: 'me', ttlSeconds: 60, signaling: true })
    client.setIds(new Map([[ID, ME]]))
    client.handle(GREETING, 0)
    client.take()
    const peers = new Map([[YOU, ['webrtc:' + YOU]]])
    client.handle({ type: 'tracker.peers', id: ID, peers }, 1)
    client.handle({ type: 'tracker.peers', id: 'f'.repeat(64), peers }, 1)
    client.handle(
      { type: '.org.clearskies.signal.relay', id: ID, from: YOU, to: ME, signal: { type: 'offer' } },
      2,
    )
    client.handle(
      {
        type: '.org.clearskies.signal.relay',
        id: ID,
        from: YOU,
        to: 'd'.repeat(32),
        signal: { type: 'offer' },
      },
      2,
    )
    expect(client.take().events).toEqual([
      { type: 'peers', id: ID, peers },
      { type: 'signal', id: ID, from: YOU, signal: { type: 'offer' } },
    ])
  })

  it.each([
    [
      'a message before the greeting',
      { type: 'tracker.ping' as const },
      /expected tracker.greeting first, got tracker.ping/,
    ],
    [
      'no shared protocol version',
      { ...GREETING, protocol: [2, 3] },
      /speaks protocol versions \[2, 3\], not 1/,
    ],
    [
      'min_ttl above max_ttl',
      { ...GREETING, minTtlSeconds: 100, maxTtlSeconds: 10 },
      /min_ttl 100 exceeds its max_ttl 10/,
    ],
  ])('fails on %s', (_name, msg, message) => {
    const client = new TrackerClient({ software: 'me', ttlSeconds: 60, signaling: false })
    expect(() => client.handle(msg, 0)).toThrow(TrackerProtocolError)
    expect(() =>
      new TrackerClient({ software: 'me', ttlSeconds: 60, signaling: false }).handle(msg, 0),
    ).toThrow(message)
  })
})

describe('runTrackerClient', () => {
  it('drives the handshake, pings on time, and delivers events, over a byte stream', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    try {
      const [clientSide, trackerSide] = createMemoryPipe()
      const events: TrackerClientEvent[] = []
      const handle = runTrackerClient(clientSide, {
        software: 'me',
        ttlSeconds: 30,
        signaling: true,
        onEvent: (e) => events.push(e),
      })
      handle.setIds(new Map([[ID, ME]]))
      const decoder = new TrackerMessageDecoder(65536)
      const received: WireBody[] = []
      const pump = (async () => {
        for (;;) {
          const chunk = await trackerSide.read().catch(() => null)
          if (!chunk) return
          received.push(...decoder.push(chunk))
        }
      })()
      await trackerSide.write(encodeTrackerMessage(toWire(GREETING)))
      await vi.waitFor(() =>
        expect(received.map((m) => m.type)).toEqual(['tracker.start', 'tracker.register']),
      )
      await vi.advanceTimersByTimeAsync(15_000)
      await vi.waitFor(() => expect(received.at(-1)).toEqual({ type: 'tracker.ping' }))
      await trackerSide.write(
        encodeTrackerMessage({
          type: '.org.clearskies.signal.relay',
          id: ID,
          from: YOU,
          to: ME,
          signal: { type: 'answer' },
        }),
      )
      await vi.waitFor(() =>
        expect(events.at(-1)).toEqual({ type: 'signal', id: ID, from: YOU, signal: { type: 'answer' } }),
      )
      handle.sendSignal(ID, YOU, { type: 'offer' })
      await vi.waitFor(() =>
        expect(received.at(-1)).toMatchObject({ type: '.org.clearskies.signal.relay', from: ME, to: YOU }),
      )
      handle.close()
      expect(await handle.closed).toBeUndefined()
      await pump
    } finally {
      vi.useRealTimers()
    }
  })

  it('closes the stream with the error when the tracker sends garbage', async () => {
    const [clientSide, trackerSide] = createMemoryPipe()
    const handle = runTrackerClient(clientSide, {
      software: 'me',
      ttlSeconds: 30,
      signaling: false,
      onEvent: () => {},
    })
    await trackerSide.write(new TextEncoder().encode('not a wire message'))
    const err = await handle.closed
    expect(err?.message).toMatch(/expected a message prefix/)
    expect(handle.state).toBe('closed')
  })
})
