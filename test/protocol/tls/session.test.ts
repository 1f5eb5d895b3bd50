/** Our client against our server in memory: negotiation, data, close, failures, back-pressure, rate limiting. */
import { describe, expect, it, vi } from 'vitest'
import { createMemoryPipe } from '../../../src/protocol/stream/memory-pipe'
import {
  TLS_SRP_SHA_WITH_AES_128_CBC_SHA,
  TLS_SRP_SHA_WITH_AES_256_CBC_SHA,
} from '../../../src/protocol/tls/constants'
import { RFC5054_GROUP_1024, RFC5054_GROUP_3072 } from '../../../src/protocol/tls/groups'
import { parseServerKeyExchange } from '../../../src/protocol/tls/messages'
import { connectTls, type TlsAttempt } from '../../../src/protocol/tls/index'
import {
  PASSWORD,
  USER,
  errorOf,
  handshakePair,
  randomSplits,
  readAll,
  seededRandom,
  sessionOf,
  wire,
} from './session-fixtures'

describe('negotiation', () => {
  it('agrees on AES-128, encrypt-then-MAC, extended master secret and secure renegotiation by default', async () => {
    const { client, server } = await handshakePair()
    for (const side of [client, server]) {
      expect(sessionOf(side).parameters).toMatchObject({
        suite: TLS_SRP_SHA_WITH_AES_128_CBC_SHA,
        encryptThenMac: true,
        extendedMasterSecret: true,
        secureRenegotiation: true,
        username: USER,
        groupBits: 2048,
      })
    }
  })

  it('uses neither extension when one side declines it', async () => {
    const a = await handshakePair({ encryptThenMac: false }, { extendedMasterSecret: false })
    expect(sessionOf(a.client).parameters).toMatchObject({
      encryptThenMac: false,
      extendedMasterSecret: false,
    })
    expect(sessionOf(a.server).parameters).toMatchObject({
      encryptThenMac: false,
      extendedMasterSecret: false,
    })
  })

  it('falls back to AES-256 when that is all the client offers', async () => {
    const { server } = await handshakePair({ cipherSuites: [TLS_SRP_SHA_WITH_AES_256_CBC_SHA] })
    expect(sessionOf(server).parameters.suite).toBe(TLS_SRP_SHA_WITH_AES_256_CBC_SHA)
  })

  it('picks AES-128 first even when the client prefers AES-256', async () => {
    const { client, server } = await handshakePair({
      cipherSuites: [TLS_SRP_SHA_WITH_AES_256_CBC_SHA, TLS_SRP_SHA_WITH_AES_128_CBC_SHA],
    })
    for (const side of [client, server])
      expect(sessionOf(side).parameters.suite).toBe(TLS_SRP_SHA_WITH_AES_128_CBC_SHA)
  })

  it('accepts a larger RFC 5054 group from the server', async () => {
    const { client } = await handshakePair({}, { group: RFC5054_GROUP_3072 })
    expect(sessionOf(client).parameters.groupBits).toBe(3072)
  })

  it('refuses a group below 2048 bits with insufficient_security', async () => {
    // Even when the client's own options name the small group.
    for (const groups of [undefined, [RFC5054_GROUP_1024]]) {
      const { client, server } = await handshakePair({ groups }, { group: RFC5054_GROUP_1024 })
      expect(errorOf(client)).toMatchObject({ code: 'ERR_TLS_INSUFFICIENT_SECURITY', alert: 71 })
      expect(errorOf(server)).toMatchObject({ code: 'ERR_TLS_ALERT_RECEIVED', description: 71 })
    }
  })

  it('fails with handshake_failure when no suite is shared', async () => {
    const { client, server } = await handshakePair(
      { cipherSuites: [TLS_SRP_SHA_WITH_AES_128_CBC_SHA] },
      { cipherSuites: [TLS_SRP_SHA_WITH_AES_256_CBC_SHA] },
    )
    expect(errorOf(server)).toMatchObject({ code: 'ERR_TLS_HANDSHAKE_FAILURE', alert: 40 })
    expect(errorOf(client)).toMatchObject({ code: 'ERR_TLS_ALERT_RECEIVED', description: 40 })
  })
})

describe('credentials', () => {
  it('fails a wrong password and an unknown username the same way on both sides', async () => {
    for (const client of [{ password: 'ee'.repeat(32) }, { username: 'clearskies:1:' + 'ff'.repeat(32) }]) {
      const pair = await handshakePair(client)
      expect(errorOf(pair.server)).toMatchObject({ code: 'ERR_TLS_BAD_RECORD_MAC', alert: 20 })
      expect(errorOf(pair.client)).toMatchObject({ code: 'ERR_TLS_ALERT_RECEIVED', description: 20 })
    }
  })

  it('gives an unknown username a stable salt of the same length as a real one (RFC 5054 §2.5.1.3)', async () => {
    const saltFor = async (username: string): Promise<string> => {
      const { wire } = await handshakePair({ username })
      // The server's first flight is plaintext records: ServerHello, ServerKeyExchange, ServerHelloDone.
      const flight = Buffer.concat(wire.toClient)
      for (let o = 0; o < flight.length; o += 5 + flight.readUInt16BE(o + 3)) {
        const hs = flight.subarray(o + 5, o + 5 + flight.readUInt16BE(o + 3))
        if (hs[0] === 12) return Buffer.from(parseServerKeyExchange(hs.subarray(4)).salt).toString('hex')
      }
      throw new Error('no ServerKeyExchange in the first flight')
    }
    const unknown = 'clearskies:1:' + '12'.repeat(32)
    const [u1, u2, known] = [await saltFor(unknown), await saltFor(unknown), await saltFor(USER)]
    expect(u1).toBe(u2)
    expect(u1.length).toBe(known.length)
    expect(u1).not.toBe(known)
  })

  it('asks the rate limiter before any work, and reports how each attempt ended', async () => {
    const report = vi.fn<(a: TlsAttempt, ok: boolean) => void>()
    const lookup = vi.fn(async (u: string) => (u === USER ? { password: PASSWORD } : null))
    const refused = await handshakePair(
      {},
      { rateLimiter: { allow: () => false, report }, lookup, source: '192.0.2.1:4000' },
    )
    expect(errorOf(refused.server)).toMatchObject({ code: 'ERR_TLS_RATE_LIMITED', alert: 49 })
    expect(errorOf(refused.client)).toMatchObject({ code: 'ERR_TLS_ALERT_RECEIVED', description: 49 })
    expect(lookup).not.toHaveBeenCalled()
    expect(report).not.toHaveBeenCalled()

    const allow = vi.fn(() => true)
    await handshakePair({}, { rateLimiter: { allow, report }, source: 'peer-a' })
    await handshakePair({ password: 'wrong' }, { rateLimiter: { allow, report }, source: 'peer-a' })
    expect(allow).toHaveBeenCalledWith({ source: 'peer-a', username: USER })
    expect(report.mock.calls).toEqual([
      [{ source: 'peer-a', username: USER }, true],
      [{ source: 'peer-a', username: USER }, false],
    ])
  })
})

describe('application data', () => {
  it('carries 1 MiB each way at once, byte for byte, and ends with close_notify', async () => {
    const { client, server } = await handshakePair()
    const c = sessionOf(client).stream
    const s = sessionOf(server).stream
    const up = new Uint8Array(1 << 20).map((_, i) => (i * 7) & 0xff)
    const down = new Uint8Array(1 << 20).map((_, i) => (i * 13) & 0xff)
    const [gotUp, gotDown] = await Promise.all([
      readAll(s),
      readAll(c),
      c.write(up).then(() => c.end()),
      s.write(down).then(() => s.end()),
    ])
    expect(Buffer.compare(gotUp, up)).toBe(0)
    expect(Buffer.compare(gotDown, down)).toBe(0)
  })

  it('seals a large write in batches of at most 256 KiB', async () => {
    const w = wire()
    const { client, server } = await handshakePair({}, {}, w)
    const c = sessionOf(client).stream
    const data = new Uint8Array(3 << 20).map((_, i) => (i * 31) & 0xff)
    const [got] = await Promise.all([readAll(sessionOf(server).stream), c.write(data).then(() => c.end())])
    expect(Buffer.compare(got, data)).toBe(0)
    const sizes = w.toServer.map((chunk) => chunk.length)
    expect(Math.max(...sizes)).toBeLessThan(256 * 1024 * 1.01)
    expect(sizes.length).toBeGreaterThanOrEqual(12)
  })

  it('cuts writes made together into full records, whatever their sizes', async () => {
    // As the gzip extension writes a stored frame: 5-byte block headers between 65,535-byte blocks.
    const w = wire()
    const { client, server } = await handshakePair({}, {}, w)
    const c = sessionOf(client).stream
    const pieces = Array.from({ length: 64 }, (_, i) => new Uint8Array(i % 2 ? 65_535 : 5).fill(i))
    const total = pieces.reduce((n, p) => n + p.length, 0)
    const [got] = await Promise.all([
      readAll(sessionOf(server).stream),
      Promise.all(pieces.map((p) => c.write(p))).then(() => c.end()),
    ])
    expect(got.length).toBe(total)
    const bytes = Buffer.concat(w.toServer)
    let records = 0
    for (let o = 0; o < bytes.length; o += 5 + bytes.readUInt16BE(o + 3)) if (bytes[o] === 23) records++
    expect(records).toBeLessThanOrEqual(Math.ceil(total / 16_384) + 1)
  })

  it('packs a burst of small writes into few records', async () => {
    const w = wire()
    const { client, server } = await handshakePair({}, {}, w)
    const c = sessionOf(client).stream
    const writes = Array.from({ length: 200 }, (_, i) => c.write(new TextEncoder().encode(`message ${i}\n`)))
    await Promise.all([...writes, c.end()])
    const text = new TextDecoder().decode(await readAll(sessionOf(server).stream))
    expect(text.split('\n').length).toBe(201)
    const bytes = Buffer.concat(w.toServer)
    let records = 0
    for (let o = 0; o < bytes.length; o += 5 + bytes.readUInt16BE(o + 3)) if (bytes[o] === 23) records++
    expect(records).toBeLessThan(5)
  })

  it('passes back-pressure through: writes wait while the peer does not read', async () => {
    const { client, server } = await handshakePair({}, {}, wire({ highWaterMarkBytes: 64 * 1024 }))
    const c = sessionOf(client).stream
    const s = sessionOf(server).stream
    let accepted = 0
    const writing = (async () => {
      for (let i = 0; i < 64; i++) {
        await c.write(new Uint8Array(64 * 1024))
        accepted++
      }
    })()
    await new Promise((r) => setTimeout(r, 200))
    expect(accepted).toBeLessThan(16)
    let got = 0
    while (got < 64 * 64 * 1024) got += ((await s.read()) as Uint8Array).length
    await writing
    expect(accepted).toBe(64)
  })

  it('settles closed with no error after a clean local close', async () => {
    const { client } = await handshakePair()
    const c = sessionOf(client).stream
    c.close()
    await expect(c.closed).resolves.toBeUndefined()
  })

  it('rejects reads and writes after close, and settles closed', async () => {
    const { client } = await handshakePair()
    const c = sessionOf(client).stream
    c.close(new Error('bye'))
    await expect(c.write(new Uint8Array(1))).rejects.toThrow(/closed/)
    await expect(c.read()).rejects.toThrow(/closed/)
    await expect(c.closed).resolves.toBeInstanceOf(Error)
  })
})

describe('input split at random points', () => {
  it('handshakes and carries data whatever the transport cuts records into', async () => {
    const seed = Date.now() % 100_000
    const random = seededRandom(seed)
    const w = wire({ toServer: randomSplits(random), toClient: randomSplits(random) })
    const { client, server } = await handshakePair({}, {}, w).catch((err: unknown) => {
      throw new Error(`failed with split seed ${seed}`, { cause: err })
    })
    const c = sessionOf(client).stream
    const s = sessionOf(server).stream
    const up = new Uint8Array(100_000).map((_, i) => i & 0xff)
    const [gotUp, gotDown] = await Promise.all([
      readAll(s),
      readAll(c),
      c.write(up).then(() => c.end()),
      s.write(up.subarray(0, 50_000)).then(() => s.end()),
    ])
    expect(Buffer.compare(gotUp, up), `split seed ${seed}`).toBe(0)
    expect(Buffer.compare(gotDown, up.subarray(0, 50_000)), `split seed ${seed}`).toBe(0)
  })
})

describe('transport failures', () => {
  it('fails the handshake when the transport ends early, and when it stalls past the timeout', async () => {
    const [a, b] = createMemoryPipe()
    void b.read().then(() => b.end())
    await expect(connectTls(a, { username: USER, password: PASSWORD })).rejects.toMatchObject({
      code: 'ERR_TLS_TRANSPORT',
    })
    const [c] = createMemoryPipe()
    await expect(
      connectTls(c, { username: USER, password: PASSWORD, handshakeTimeoutMs: 100 }),
    ).rejects.toMatchObject({
      code: 'ERR_TLS_TIMEOUT',
    })
  })
})
