/** In-memory fixtures for session tests: a client and a server joined by memory pipes through a relay that can watch or tamper. */
import { createMemoryPipe } from '../../../src/protocol/stream/memory-pipe'
import type { ByteStream } from '../../../src/protocol/stream/byte-stream'
import {
  type TlsClientOptions,
  type TlsServerOptions,
  type TlsSession,
  acceptTls,
  connectTls,
} from '../../../src/protocol/tls/index'

export const USER = 'clearskies:1:' + 'ab'.repeat(32)
export const PASSWORD = 'cd'.repeat(32)
export const SECRET = new Uint8Array(32).fill(3)

export const serverOptions = (extra: Partial<TlsServerOptions> = {}): TlsServerOptions => ({
  lookup: async (u) => (u === USER ? { password: PASSWORD } : null),
  secret: SECRET,
  ...extra,
})
export const clientOptions = (extra: Partial<TlsClientOptions> = {}): TlsClientOptions => ({
  username: USER,
  password: PASSWORD,
  ...extra,
})

/** What a relay direction sees: every chunk, and a chance to replace it (or cut it into pieces). */
export type Tamper = (chunk: Uint8Array, index: number) => Uint8Array | Uint8Array[]

export interface Wire {
  readonly client: ByteStream
  readonly server: ByteStream
  /** Chunks as they crossed, client to server and server to client. */
  readonly toServer: Uint8Array[]
  readonly toClient: Uint8Array[]
}

/** client <-> relay <-> server, over memory pipes; the relay records and may tamper. */
export function wire(o: { toServer?: Tamper; toClient?: Tamper; highWaterMarkBytes?: number } = {}): Wire {
  const [client, relayA] = createMemoryPipe(o.highWaterMarkBytes)
  const [relayB, server] = createMemoryPipe(o.highWaterMarkBytes)
  const toServer: Uint8Array[] = []
  const toClient: Uint8Array[] = []
  const pump = async (
    from: ByteStream,
    to: ByteStream,
    log: Uint8Array[],
    tamper?: Tamper,
  ): Promise<void> => {
    try {
      for (let c = await from.read(); c; c = await from.read()) {
        const out = tamper ? tamper(c, log.length) : c
        log.push(c)
        for (const piece of Array.isArray(out) ? out : [out]) await to.write(piece)
      }
      await to.end()
    } catch (err) {
      to.close(err instanceof Error ? err : new Error(String(err)))
      from.close()
    }
  }
  void pump(relayA, relayB, toServer, o.toServer)
  void pump(relayB, relayA, toClient, o.toClient)
  return { client, server, toServer, toClient }
}

export interface Pair {
  readonly client: PromiseSettledResult<TlsSession>
  readonly server: PromiseSettledResult<TlsSession>
  readonly wire: Wire
}

export async function handshakePair(
  client: Partial<TlsClientOptions> = {},
  server: Partial<TlsServerOptions> = {},
  w: Wire = wire(),
): Promise<Pair> {
  const [c, s] = await Promise.allSettled([
    connectTls(w.client, { ...clientOptions(client), handshakeTimeoutMs: 5_000 }),
    acceptTls(w.server, { ...serverOptions(server), handshakeTimeoutMs: 5_000 }),
  ])
  return { client: c, server: s, wire: w }
}

export function sessionOf(r: PromiseSettledResult<TlsSession>): TlsSession {
  if (r.status === 'rejected') throw r.reason
  return r.value
}

export function errorOf(r: PromiseSettledResult<TlsSession>): {
  code?: string
  description?: number
  alert?: number
} {
  if (r.status === 'fulfilled') throw new Error('expected the handshake to fail')
  return r.reason as { code?: string; description?: number; alert?: number }
}

export async function readAll(s: ByteStream): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for (let c = await s.read(); c; c = await s.read()) parts.push(c)
  return Buffer.concat(parts)
}

/** The alerts (level, description) in plaintext alert records of a captured direction. */
export function plaintextAlerts(chunks: readonly Uint8Array[]): Array<[number, number]> {
  const bytes = Buffer.concat(chunks)
  const out: Array<[number, number]> = []
  for (let o = 0; o + 5 <= bytes.length;) {
    const len = bytes.readUInt16BE(o + 3)
    if (bytes[o] === 21 && len === 2) out.push([bytes[o + 5] as number, bytes[o + 6] as number])
    o += 5 + len
  }
  return out
}

/** A seeded generator (mulberry32), so a failing split can be replayed from its printed seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Cuts each chunk at random points, as TCP may. */
export function randomSplits(random: () => number): Tamper {
  return (chunk) => {
    const pieces: Uint8Array[] = []
    for (let o = 0; o < chunk.length;) {
      const n = 1 + Math.floor(random() * Math.min(chunk.length - o, random() < 0.5 ? 7 : 20000))
      pieces.push(chunk.subarray(o, o + n))
      o += n
    }
    return pieces
  }
}
