/**
 * Malformed input of every kind (garbage, truncated, oversized, out of order, fuzzed) ends in a
 * typed failure, an alert where one is owed, and a closed connection: never an internal error
 * (an exception that escaped parsing), never a hang.
 */
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import type { ByteStream } from '../../../src/protocol/stream/byte-stream'
import { createMemoryPipe } from '../../../src/protocol/stream/memory-pipe'
import { ByteWriter } from '../../../src/protocol/tls/bytes'
import { RFC5054_GROUP_2048 } from '../../../src/protocol/tls/groups'
import { acceptTls, connectTls } from '../../../src/protocol/tls/index'
import { encodeHandshake, encodeServerKeyExchange } from '../../../src/protocol/tls/messages'
import { plaintextRecord } from '../../../src/protocol/tls/record'
import { bigIntToBytes } from '../../../src/protocol/tls/bigint'
import {
  clientOptions,
  handshakePair,
  plaintextAlerts,
  readAll,
  serverOptions,
  sessionOf,
  wire,
} from './session-fixtures'

const TIMEOUT_MS = 1_000
const FUZZ_RUNS = 150

let clientHello: Uint8Array
/** ServerHello, ServerKeyExchange, ServerHelloDone: one record each, in one chunk. */
let serverRecords: Uint8Array[]

beforeAll(async () => {
  const { wire: w } = await handshakePair()
  clientHello = w.toServer[0] as Uint8Array
  const flight = Buffer.from(w.toClient[0] as Uint8Array)
  serverRecords = []
  for (let o = 0; o < flight.length; o += 5 + flight.readUInt16BE(o + 3)) {
    serverRecords.push(new Uint8Array(flight.subarray(o, o + 5 + flight.readUInt16BE(o + 3))))
  }
  expect(serverRecords.map((r) => r[5])).toEqual([2, 12, 14])
})

interface Ending {
  code: string
  /** Alerts the side under test sent, as plaintext (level, description) pairs. */
  alerts: Array<[number, number]>
}

/** Feeds `bytes` to our server, then ends the transport, and reports how the server ended. */
async function serverGets(bytes: Uint8Array, end = true): Promise<Ending> {
  const [peer, transport] = createMemoryPipe()
  const result = acceptTls(transport, { ...serverOptions(), handshakeTimeoutMs: TIMEOUT_MS })
  await peer.write(bytes)
  if (end) await peer.end()
  return ending(result, peer)
}

/** Our client against a fake server that answers the ClientHello with `bytes`, then ends. */
async function clientGets(bytes: Uint8Array): Promise<Ending> {
  const [peer, transport] = createMemoryPipe()
  const result = connectTls(transport, { ...clientOptions(), handshakeTimeoutMs: TIMEOUT_MS })
  await peer.read()
  await peer.write(bytes)
  await peer.end()
  return ending(result, peer)
}

async function ending(result: Promise<unknown>, peer: ByteStream): Promise<Ending> {
  const err = (await result.then(
    () => {
      throw new Error('handshake succeeded on malformed input')
    },
    (e: unknown) => e,
  )) as { code: string }
  const sent: Uint8Array[] = []
  try {
    sent.push(await readAll(peer))
  } catch {
    // The transport was closed after the alert: what was read is what counts.
  }
  return { code: err.code, alerts: plaintextAlerts(sent) }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts))
}

const handshakeRecord = (type: number, body: Uint8Array): Uint8Array =>
  plaintextRecord(22, encodeHandshake(type, body))

describe('our server, given malformed client input', () => {
  const cases: Array<[string, () => Uint8Array, string, number | null]> = [
    ['garbage', () => new Uint8Array(64).fill(0x99), 'ERR_TLS_UNEXPECTED_MESSAGE', 10],
    [
      'an SSLv2-style hello',
      () => new Uint8Array([0x80, 0x2e, 0x01, 0x03, 0x01, 0, 0, 0, 0]),
      'ERR_TLS_UNEXPECTED_MESSAGE',
      10,
    ],
    [
      'a record header of major version 2',
      () => new Uint8Array([22, 2, 0, 0, 1, 1]),
      'ERR_TLS_PROTOCOL_VERSION',
      70,
    ],
    ['an oversized record', () => new Uint8Array([22, 3, 3, 0x48, 0x01]), 'ERR_TLS_RECORD_OVERFLOW', 22],
    ['an empty handshake record', () => new Uint8Array([22, 3, 3, 0, 0]), 'ERR_TLS_UNEXPECTED_MESSAGE', 10],
    [
      'a handshake message over 64 KiB',
      () => plaintextRecord(22, new Uint8Array([1, 0x01, 0x00, 0x01])),
      'ERR_TLS_DECODE',
      50,
    ],
    ['Finished first', () => handshakeRecord(20, new Uint8Array(12)), 'ERR_TLS_UNEXPECTED_MESSAGE', 10],
    [
      'ClientKeyExchange first',
      () => handshakeRecord(16, new Uint8Array([0, 1, 5])),
      'ERR_TLS_UNEXPECTED_MESSAGE',
      10,
    ],
    [
      'ChangeCipherSpec first',
      () => plaintextRecord(20, new Uint8Array([1])),
      'ERR_TLS_UNEXPECTED_MESSAGE',
      10,
    ],
    [
      'application data first',
      () => plaintextRecord(23, new Uint8Array([1, 2, 3])),
      'ERR_TLS_UNEXPECTED_MESSAGE',
      10,
    ],
    [
      'an alert of level 3',
      () => plaintextRecord(21, new Uint8Array([3, 0])),
      'ERR_TLS_ILLEGAL_PARAMETER',
      47,
    ],
    ['a fatal alert', () => plaintextRecord(21, new Uint8Array([2, 40])), 'ERR_TLS_ALERT_RECEIVED', null],
    [
      'a ClientHello with a trailing byte',
      () => mutateHello((b) => concat(b, new Uint8Array([0]))),
      'ERR_TLS_DECODE',
      50,
    ],
    [
      'a TLS 1.0 ClientHello',
      () => mutateHello((b) => concat(new Uint8Array([3, 1]), b.subarray(2))),
      'ERR_TLS_PROTOCOL_VERSION',
      70,
    ],
    ['a ClientHello without the SRP extension', () => helloWithout(12), 'ERR_TLS_HANDSHAKE_FAILURE', 40],
    [
      'ClientKeyExchange with A = 0',
      () => concat(clientHello, handshakeRecord(16, new Uint8Array([0, 1, 0]))),
      'ERR_TLS_ILLEGAL_PARAMETER',
      47,
    ],
    [
      'ClientKeyExchange with A = N',
      () =>
        concat(
          clientHello,
          handshakeRecord(16, new ByteWriter().vector16(bigIntToBytes(RFC5054_GROUP_2048.N)).finish()),
        ),
      'ERR_TLS_ILLEGAL_PARAMETER',
      47,
    ],
    ['a second ClientHello', () => concat(clientHello, clientHello), 'ERR_TLS_UNEXPECTED_MESSAGE', 10],
  ]
  for (const [what, bytes, code, alert] of cases) {
    it(`answers ${what} with ${code}`, async () => {
      const e = await serverGets(bytes())
      expect(e.code).toBe(code)
      expect(e.alerts).toEqual(alert === null ? [] : [[2, alert]])
    })
  }

  it('takes a ClientHello fragmented over several records (RFC 5246 §6.2.1)', async () => {
    const message = clientHello.subarray(5)
    const records = [message.subarray(0, 3), message.subarray(3, 40), message.subarray(40)].map((m) =>
      plaintextRecord(22, m),
    )
    const [peer, transport] = createMemoryPipe()
    const result = acceptTls(transport, { ...serverOptions(), handshakeTimeoutMs: TIMEOUT_MS })
    for (const r of records) await peer.write(r)
    const flight = (await peer.read()) as Uint8Array
    expect([flight[0], flight[5]]).toEqual([22, 2]) // a ServerHello came back
    transport.close()
    await result.catch(() => {})
  })

  it('fails a ClientHello cut short at any point, when the transport ends or the timer runs out', async () => {
    for (let cut = 1; cut < clientHello.length; cut += 9) {
      expect((await serverGets(clientHello.subarray(0, cut))).code).toBe('ERR_TLS_TRANSPORT')
    }
    expect((await serverGets(clientHello.subarray(0, 50), false)).code).toBe('ERR_TLS_TIMEOUT')
  })

  it('survives fuzzed ClientHellos (fast-check prints its seed on failure)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        async (edits) => {
          const b = clientHello.slice()
          for (const [at, v] of edits) b[at % b.length] = v
          const e = await serverGets(b)
          expect(e.code).not.toBe('ERR_TLS_INTERNAL')
        },
      ),
      { numRuns: FUZZ_RUNS },
    )
  })
})

function mutateHello(edit: (body: Uint8Array) => Uint8Array): Uint8Array {
  // clientHello is one record holding one message: 5-byte record header, 4-byte handshake header.
  return handshakeRecord(1, edit(clientHello.subarray(9)))
}

/** The ClientHello with one extension removed (re-encoded, so lengths stay right). */
function helloWithout(extension: number): Uint8Array {
  return mutateHello((body) => {
    let o = 2 + 32
    o += 1 + (body[o] as number) // session_id
    o += 2 + ((body[o] as number) << 8) + (body[o + 1] as number) // cipher_suites
    o += 1 + (body[o] as number) // compression_methods
    const kept: Uint8Array[] = []
    for (let e = o + 2; e < body.length;) {
      const type = ((body[e] as number) << 8) | (body[e + 1] as number)
      const len = ((body[e + 2] as number) << 8) | (body[e + 3] as number)
      if (type !== extension) kept.push(body.subarray(e, e + 4 + len))
      e += 4 + len
    }
    const list = concat(...kept)
    return concat(body.subarray(0, o), new Uint8Array([list.length >> 8, list.length & 0xff]), list)
  })
}

describe('our client, given a malformed server flight', () => {
  const [hello, ske, done] = [0, 1, 2]
  const flight = (...replace: Array<[number, Uint8Array]>): Uint8Array => {
    const records = [...serverRecords]
    for (const [i, r] of replace) records[i] = r
    return concat(...records)
  }
  const withB = (B: Uint8Array): Uint8Array =>
    handshakeRecord(
      12,
      encodeServerKeyExchange({
        N: bigIntToBytes(RFC5054_GROUP_2048.N),
        g: new Uint8Array([2]),
        salt: new Uint8Array(16),
        B,
      }),
    )

  const cases: Array<[string, () => Uint8Array, string, number | null]> = [
    ['B = 0', () => flight([ske, withB(new Uint8Array([0]))]), 'ERR_TLS_ILLEGAL_PARAMETER', 47],
    [
      'B = N',
      () => flight([ske, withB(bigIntToBytes(RFC5054_GROUP_2048.N))]),
      'ERR_TLS_ILLEGAL_PARAMETER',
      47,
    ],
    [
      'B = 2N',
      () => flight([ske, withB(bigIntToBytes(2n * RFC5054_GROUP_2048.N))]),
      'ERR_TLS_ILLEGAL_PARAMETER',
      47,
    ],
    [
      'an unknown group',
      () =>
        flight([
          ske,
          handshakeRecord(
            12,
            encodeServerKeyExchange({
              N: new Uint8Array(256).fill(0xfb),
              g: new Uint8Array([2]),
              salt: new Uint8Array(16),
              B: new Uint8Array([7]),
            }),
          ),
        ]),
      'ERR_TLS_INSUFFICIENT_SECURITY',
      71,
    ],
    [
      'a ServerHelloDone with a body',
      () => flight([done, handshakeRecord(14, new Uint8Array([0]))]),
      'ERR_TLS_DECODE',
      50,
    ],
    [
      'ServerHelloDone before ServerKeyExchange',
      () => flight([ske, serverRecords[done] as Uint8Array]),
      'ERR_TLS_UNEXPECTED_MESSAGE',
      10,
    ],
    [
      'ServerKeyExchange first',
      () => concat(serverRecords[ske] as Uint8Array),
      'ERR_TLS_UNEXPECTED_MESSAGE',
      10,
    ],
    [
      'a ServerHello of TLS 1.1',
      () => flight([hello, editServerHello((b) => b.set([3, 2], 0))]),
      'ERR_TLS_PROTOCOL_VERSION',
      70,
    ],
    [
      'a suite we did not offer',
      () => flight([hello, editServerHello((b) => b.set([0x00, 0x2f], 2 + 32 + 1 + (b[34] as number)))]),
      'ERR_TLS_ILLEGAL_PARAMETER',
      47,
    ],
    [
      'an extension we did not offer',
      () => flight([hello, editServerHello((b) => b.set([0, 5], b.length - 4))]),
      'ERR_TLS_UNSUPPORTED_EXTENSION',
      110,
    ],
    [
      'Finished in the clear',
      () => flight([done, handshakeRecord(20, new Uint8Array(12))]),
      'ERR_TLS_UNEXPECTED_MESSAGE',
      10,
    ],
  ]
  for (const [what, bytes, code, alert] of cases) {
    it(`answers ${what} with ${code}`, async () => {
      const e = await clientGets(bytes())
      expect(e.code).toBe(code)
      expect(e.alerts).toEqual(alert === null ? [] : [[2, alert]])
    })
  }

  it('survives fuzzed and truncated server flights (fast-check prints its seed on failure)', async () => {
    const whole = concat(...serverRecords)
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat({ max: whole.length }),
        async (edits, cut) => {
          const b = whole.slice(0, Math.max(1, cut))
          for (const [at, v] of edits) b[at % b.length] = v
          const e = await clientGets(b)
          expect(e.code).not.toBe('ERR_TLS_INTERNAL')
        },
      ),
      { numRuns: FUZZ_RUNS },
    )
  })
})

/** ServerHello's last extension is 4 bytes of type and length; the edits above rely on an empty last one. */
function editServerHello(edit: (body: Uint8Array) => void): Uint8Array {
  const body = (serverRecords[0] as Uint8Array).slice(9)
  edit(body)
  return handshakeRecord(2, body)
}

describe('after the handshake', () => {
  it('a tampered record fails the reader with bad_record_mac and the writer hears the alert', async () => {
    let flip = false
    const w = wire({
      toServer: (c) => {
        if (!flip) return c
        const t = c.slice()
        t[t.length - 3] = (t[t.length - 3] as number) ^ 1
        return t
      },
    })
    const { client, server } = await handshakePair({}, {}, w)
    flip = true
    const c = sessionOf(client).stream
    const s = sessionOf(server).stream
    await c.write(new Uint8Array(1000))
    await expect(s.read()).rejects.toMatchObject({ cause: { code: 'ERR_TLS_BAD_RECORD_MAC' } })
    await expect(c.read()).rejects.toMatchObject({
      cause: { code: 'ERR_TLS_ALERT_RECEIVED', description: 20 },
    })
  })

  it('a stream cut without close_notify is an error, not an end', async () => {
    const { client, server, wire: w } = await handshakePair()
    void w
    sessionOf(server)
    const c = sessionOf(client).stream
    // The server's transport goes away without a close_notify.
    w.server.close()
    await expect(c.read()).rejects.toMatchObject({ cause: { code: 'ERR_TLS_TRANSPORT' } })
  })
})
