/**
 * A connection that goes away while its registration is still on its way to the exchange (a
 * Redis round trip) must not leave that registration behind: the session's release and the hub's
 * join cross, and the join must lose.
 */
import { describe, expect, it } from 'vitest'
import type { Exchange, Registration } from '../../signaling/exchange'
import { Hub } from '../../signaling/hub'
import type { Link } from '../../signaling/link'
import { createLogger } from '../../signaling/log'
import { MemoryExchange } from '../../signaling/memory-exchange'
import { Session, type SessionSettings } from '../../signaling/session'
import { encodeTrackerMessage } from '../../src/protocol/tracker/framing'
import type { WireBody } from '../../src/protocol/wire/message'

const quiet = createLogger('silent')
const ID = 'cd'.repeat(32)
const PEER = 'ef'.repeat(16)
const OTHER_ID = '12'.repeat(32)

const settings: SessionSettings = {
  software: 'test',
  minTtlSeconds: 1,
  maxTtlSeconds: 3600,
  startTimeoutMs: 10_000,
  maxMessageBytes: 65_536,
  ratePerSecond: 1000,
  rateBurst: 1000,
  maxIds: 32,
  maxBufferedBytes: 1 << 20,
}

/** The in-process exchange, with every call taking a turn of the event loop, as a Redis round trip does. */
class SlowExchange extends MemoryExchange implements Exchange {
  private readonly later = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5))
  override async watch(): Promise<void> {
    await this.later()
  }
  override async claim(reg: Registration): Promise<void> {
    await this.later()
    return super.claim(reg)
  }
  override async release(id: string, peerId: string, owner: string): Promise<void> {
    await this.later()
    return super.release(id, peerId, owner)
  }
}

function session(hub: Hub): Session {
  const link: Link = {
    transport: 'tcp',
    remoteAddress: '127.0.0.1',
    bridge: false,
    send: () => {},
    bufferedBytes: () => 0,
    close: () => {},
  }
  const s = new Session(link, hub, settings, 'instance/1', quiet)
  s.open()
  return s
}

const bytes = (...bodies: WireBody[]): Uint8Array => Buffer.concat(bodies.map(encodeTrackerMessage))
const start: WireBody = { type: 'tracker.start', software: 'raw', protocol: 1, ttl: 60 }
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 100))

describe('a connection closed while it registers', () => {
  it.each([
    ['its first registration', [start, { type: 'tracker.register', ids: { [ID]: PEER } }]],
    [
      'a registration that replaces another',
      [
        start,
        { type: 'tracker.register', ids: { [OTHER_ID]: PEER } },
        { type: 'tracker.ping' },
        { type: 'tracker.register', ids: { [ID]: PEER } },
      ],
    ],
  ] as const)('leaves nothing behind: %s', async (_name, messages) => {
    const exchange = new SlowExchange(() => {})
    const hub = new Hub(exchange, 100, quiet)
    const s = session(hub)
    s.receive(bytes(...messages.slice(0, -1)))
    await settle()
    // The last register is read, and the client hangs up before its join has reached the exchange.
    s.receive(bytes(...messages.slice(-1)))
    await new Promise((resolve) => setTimeout(resolve, 1))
    await s.close({ code: 'hangup', text: 'the client closed the connection' })
    await settle()
    expect(await exchange.list(ID, Date.now())).toEqual([])
    expect(await exchange.list(OTHER_ID, Date.now())).toEqual([])
    // Nor does the hub keep the closed connection as a member.
    expect((hub as unknown as { members: Map<string, unknown> }).members.size).toBe(0)
  })
})
