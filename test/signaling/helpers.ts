/**
 * Test fixtures for the signaling server: a server on port 0 with small limits, browser-style
 * WebSocket clients (the wire bytes in binary WebSocket messages, as the page sends them), TCP
 * clients, and waiting for what they receive.
 */
import { randomBytes } from 'node:crypto'
import { WebSocket } from 'ws'
import { connectTcp } from '../../src/platform/node/tcp-stream'
import type { ByteStream } from '../../src/protocol/stream/byte-stream'
import { ChunkQueue } from '../../src/protocol/stream/chunk-queue'
import type { TrackerClientEvent } from '../../src/protocol/tracker/client'
import { runTrackerClient, type TrackerClientHandle } from '../../src/protocol/tracker/client-driver'
import { encodeTrackerMessage, TrackerMessageDecoder } from '../../src/protocol/tracker/framing'
import type { WireBody } from '../../src/protocol/wire/message'
import { parseSignalingConfig, type SignalingConfig } from '../../signaling/config'
import { createLogger } from '../../signaling/log'
import { startSignalingServer, type SignalingServer } from '../../signaling/server'

export const WAIT_MS = 5000

export function randomId(): string {
  return randomBytes(32).toString('hex')
}

export function randomPeerId(): string {
  return randomBytes(16).toString('hex')
}

/** A server on free ports; `flags` as on the command line, e.g. ['--max-ids', '2']. */
export async function startServer(
  flags: string[] = [],
  env: Record<string, string> = {},
): Promise<SignalingServer> {
  const config: SignalingConfig = parseSignalingConfig(
    ['--port', '0', '--tcp-port', '0', '--log-level', 'silent', ...flags],
    env,
  )
  return startSignalingServer(config, createLogger(config['log-level']))
}

export function trackerUrl(server: SignalingServer): string {
  return `ws://127.0.0.1:${server.httpPort}/tracker`
}

/** Resolves when `check` returns a value, polling as events arrive; rejects after WAIT_MS. */
export class Inbox<T> {
  readonly items: T[] = []
  private wake: () => void = () => {}

  push(item: T): void {
    this.items.push(item)
    this.wake()
  }

  async waitFor<R>(
    check: (items: readonly T[]) => R | undefined,
    what: string,
    timeoutMs = WAIT_MS,
  ): Promise<R> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = check(this.items)
      if (found !== undefined) return found
      const left = deadline - Date.now()
      if (left <= 0)
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(this.items, bigintSafe).slice(0, 2000)}`,
        )
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
    }
  }
}

function bigintSafe(_key: string, value: unknown): unknown {
  if (value instanceof Map) return Object.fromEntries(value)
  return typeof value === 'bigint' ? value.toString() : value
}

/** A WebSocket as a ByteStream: what the page's adapter does, in a few lines. */
export async function webSocketStream(
  url: string,
  headers: Record<string, string> = {},
): Promise<ByteStream> {
  const incoming = new ChunkQueue(1024 * 1024)
  let settle: (err: Error | undefined) => void = () => {}
  const closed = new Promise<Error | undefined>((resolve) => (settle = resolve))
  const ws = await openWebSocket(url, headers, (data) => void incoming.push(data).catch(() => {}))
  ws.on('close', (code, reason) => {
    incoming.end()
    settle(code === 1000 ? undefined : new Error(`${code} ${reason.toString()}`))
  })
  return {
    read: () => incoming.pull(),
    write: async (chunk) => ws.send(chunk, { binary: true }),
    end: async () => ws.close(1000),
    close: () => ws.close(1000),
    closed,
  }
}

/** `onMessage` is attached before the connection opens: the greeting may arrive with the upgrade response. */
export function openWebSocket(
  url: string,
  headers: Record<string, string>,
  onMessage: (data: Uint8Array) => void,
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers })
    ws.on('message', (data: Buffer) => onMessage(new Uint8Array(data)))
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
  })
}

export interface TestPeer {
  handle: TrackerClientHandle
  events: Inbox<TrackerClientEvent>
  /** The latest peer list received for `id`, once it satisfies `check`. */
  peersOf(
    id: string,
    check: (peers: Map<string, string[]>) => boolean,
    what: string,
  ): Promise<Map<string, string[]>>
}

function testPeer(stream: ByteStream, signaling: boolean, ttlSeconds: number): TestPeer {
  const events = new Inbox<TrackerClientEvent>()
  const handle = runTrackerClient(stream, {
    software: 'test',
    ttlSeconds,
    signaling,
    onEvent: (e) => events.push(e),
  })
  return {
    handle,
    events,
    peersOf: (id, check, what) =>
      events.waitFor((items) => {
        const latest = items.filter((e) => e.type === 'peers' && e.id === id).at(-1)
        return latest?.type === 'peers' && check(latest.peers) ? latest.peers : undefined
      }, what),
  }
}

/** The peers a test opened, closed together after it. */
export class PeerPool {
  private readonly peers: TestPeer[] = []

  async track(peer: Promise<TestPeer>): Promise<TestPeer> {
    const p = await peer
    this.peers.push(p)
    return p
  }

  closeAll(): void {
    for (const p of this.peers.splice(0)) p.handle.close()
  }
}

/** A browser-style peer: the tracker client over a WebSocket, with the signal-relay extension. */
export async function browserPeer(server: SignalingServer, ttlSeconds = 60): Promise<TestPeer> {
  return testPeer(await webSocketStream(trackerUrl(server)), true, ttlSeconds)
}

/** A browser-style peer that presents a bridge token, as the bridge does. */
export async function bridgePeer(server: SignalingServer, token: string): Promise<TestPeer> {
  return testPeer(await webSocketStream(trackerUrl(server), { Authorization: `Bearer ${token}` }), true, 60)
}

/** A daemon-style peer: the tracker client over TCP, without the extension. */
export async function tcpPeer(server: SignalingServer, ttlSeconds = 60): Promise<TestPeer> {
  return testPeer(await connectTcp('127.0.0.1', server.tcpPort), false, ttlSeconds)
}

/** A WebSocket client that speaks raw wire messages, for sending what a real client never would. */
export interface RawClient {
  ws: WebSocket
  received: Inbox<WireBody>
  closed: Promise<{ code: number; reason: string }>
  send(body: WireBody): void
  sendBytes(bytes: Uint8Array | string): void
  next(type: string): Promise<WireBody>
}

export async function rawClient(
  server: SignalingServer,
  headers: Record<string, string> = {},
): Promise<RawClient> {
  const received = new Inbox<WireBody>()
  const decoder = new TrackerMessageDecoder(1024 * 1024)
  const ws = await openWebSocket(trackerUrl(server), headers, (data) =>
    decoder.push(data).forEach((b) => received.push(b)),
  )
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  )
  let seen = 0
  return {
    ws,
    received,
    closed,
    send: (body) => ws.send(encodeTrackerMessage(body), { binary: true }),
    sendBytes: (bytes) => ws.send(typeof bytes === 'string' ? Buffer.from(bytes) : bytes, { binary: true }),
    next: (type) =>
      received.waitFor((items) => {
        const index = items.findIndex((b, i) => i >= seen && b.type === type)
        if (index < 0) return undefined
        seen = index + 1
        return items[index]
      }, type),
  }
}

/** A raw client past the handshake: greeting read, tracker.start sent. */
export async function startedRawClient(
  server: SignalingServer,
  start: Partial<WireBody> = {},
  headers: Record<string, string> = {},
): Promise<RawClient> {
  const client = await rawClient(server, headers)
  await client.next('tracker.greeting')
  client.send({
    type: 'tracker.start',
    software: 'raw',
    protocol: 1,
    ttl: 60,
    extensions: ['.org.clearskies.signal'],
    ...start,
  })
  return client
}
