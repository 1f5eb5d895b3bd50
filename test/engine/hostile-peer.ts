/**
 * A hostile peer for the engine tests: no Engine, just the real protocol stack (TCP, TLS-SRP, the
 * wire codec and the core session) driven by hand, so a test can send any `database.update` or
 * `directory.data` it likes, however wrong, and see what the engine does with it.
 */
import { SRP_USERNAME_PREFIX, generatePeerId } from '../../src/protocol/access'
import { CoreSession, type SessionAction } from '../../src/protocol/core/session'
import { updateBody, type DatabaseRecord } from '../../src/protocol/database/record'
import { connectTls } from '../../src/protocol/tls'
import {
  WireReader,
  WireWriter,
  encodeBody,
  type JsonObject,
  type ReceivedMessage,
  type WireBody,
} from '../../src/protocol/wire'
import { parseTcpAddress } from '../../src/protocol/tracker/addresses'
import { connectTcp } from '../../src/platform/node/tcp-stream'

export interface HostilePeer {
  readonly peerId: string
  /** Messages the engine sent after the session opened, in order. */
  readonly received: ReceivedMessage[]
  send(body: JsonObject, payload?: Iterable<Uint8Array>): Promise<void>
  /** Sends body bytes as they are, with a signature (valid or not). */
  sendSigned(bodyBytes: Uint8Array, signature: string): Promise<void>
  /** Waits for a message the engine sent, matching `match`. */
  waitFor(match: (m: ReceivedMessage) => boolean, timeoutMs?: number): Promise<ReceivedMessage>
  /**
   * Answers each `directory.get` with what `serve` returns (the payload), or not_present. Answers
   * go out as `serve` settles: one it holds back goes after those it answers at once.
   */
  serve(serve: Server): void
  /** Resolves with the reason once the engine hangs up. */
  readonly closed: Promise<string>
  close(): void
}

type Server = (
  sha256: string,
  range: readonly [number, number],
) => Uint8Array | undefined | Promise<Uint8Array | undefined>

/** Connects to `address` with a share's key (`keyId`, `key`) as if it were a member. */
export async function connectHostile(address: string, keyId: string, key: string): Promise<HostilePeer> {
  const { host, port } = parseTcpAddress(address)
  const tls = await connectTls(await connectTcp(host, port), {
    username: SRP_USERNAME_PREFIX + keyId,
    password: key,
  })
  const stream = tls.stream
  const reader = new WireReader(stream)
  const writer = new WireWriter(stream)
  const peerId = generatePeerId((n) => crypto.getRandomValues(new Uint8Array(n)))
  const session = new CoreSession(
    {
      role: 'client',
      software: 'hostile 0.0',
      peerId,
      extensions: ['database', 'directory'],
      requiredExtensions: [],
      keyExchange: 'none',
    },
    Date.now(),
  )
  const received: ReceivedMessage[] = []
  const waiters = new Set<() => void>()
  let server: Server | undefined
  let opened: () => void = () => undefined
  const open = new Promise<void>((resolve) => (opened = resolve))

  const act = async (actions: SessionAction[]): Promise<void> => {
    for (const action of actions) {
      if (action.type === 'send') await writer.send(action.body as WireBody)
      if (action.type === 'open') opened()
    }
  }
  const answer = async (message: ReceivedMessage): Promise<void> => {
    const sha256 = String(message.body.sha256)
    const range = message.body.range as [number, number]
    const data = await server?.(sha256, range)
    if (data === undefined) await writer.send({ type: 'directory.not_present', sha256 })
    else await writer.send({ type: 'directory.data', sha256, range }, { payload: [data] })
  }

  const closed = (async (): Promise<string> => {
    try {
      for (let message = await reader.next(); message !== null; message = await reader.next()) {
        const actions = session.receive(message.body, Date.now())
        await act(actions.filter((a) => a.type !== 'deliver'))
        if (!actions.some((a) => a.type === 'deliver')) continue
        // Payloads must be read before the next message; keep a copy of them.
        const chunks: Uint8Array[] = []
        for await (const chunk of message.payload ?? []) chunks.push(chunk.slice())
        received.push({ ...message, payload: message.payload ? iterate(chunks) : null })
        if (message.type === 'directory.get') void answer(message).catch(() => undefined)
        // directory.md: "Simple implementations ... should send a value of 0xff. This tells its
        // peer to probe for files it needs using trial and error."
        if (message.type === 'directory.get_presence')
          void writer
            .send({ type: 'directory.bloom_filter', k_value: 1 }, { payload: [Uint8Array.of(0xff)] })
            .catch(() => undefined)
        for (const wake of waiters) wake()
      }
      return 'ended'
    } catch (err) {
      return (err as Error).message
    } finally {
      for (const wake of waiters) wake()
    }
  })()
  await act(session.begin())
  await Promise.race([
    open,
    closed.then((reason) => Promise.reject(new Error(`closed before opening: ${reason}`))),
  ])

  let done = false
  void closed.then(() => (done = true))
  return {
    peerId,
    received,
    send: (body, payload) => writer.send(body as WireBody, payload === undefined ? {} : { payload }),
    sendSigned: (bodyBytes, signature) => writer.sendFrame(bodyBytes, { signature }),
    async waitFor(match, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const found = received.find(match)
        if (found) return found
        if (done || Date.now() > deadline)
          throw new Error(`no matching message (${done ? 'connection closed' : 'timed out'})`)
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake)
            resolve()
          }
          waiters.add(wake)
          setTimeout(wake, 100)
        })
      }
    },
    serve(fn) {
      server = fn
    },
    closed,
    close: () => stream.close(new Error('hostile peer hangs up')),
  }
}

async function* iterate(chunks: readonly Uint8Array[]): AsyncIterable<Uint8Array> {
  yield* chunks
}

let nextRev = 1n

/** A `database.update` body from `peerId` for a fresh record, as if it were made there now. */
export function forgedUpdate(
  peerId: string,
  key: string,
  value: JsonObject,
  overrides: Partial<DatabaseRecord> = {},
): JsonObject {
  const rev = nextRev++
  const record: DatabaseRecord = {
    key,
    value,
    uuid: Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join(
      '',
    ),
    lastUpdatedBy: peerId,
    lastUpdatedRev: rev,
    updateTime: BigInt(Date.now()) * 1_000_000n,
    vectorClock: new Map([[peerId, rev]]),
    deleted: false,
    ...overrides,
  }
  return updateBody(record)
}

/** The framed bytes of a body, as a signature covers them. */
export function bodyBytes(body: JsonObject): Uint8Array {
  return encodeBody(body as WireBody)
}
