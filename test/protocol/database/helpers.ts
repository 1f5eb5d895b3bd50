/** Test helpers: IDs, records, a wire-like codec, RSA keys and in-process links between engines. */
import { Database, type ReceiveOutcome } from '../../../src/protocol/database/database'
import type { ConflictResolver } from '../../../src/protocol/database/conflict'
import type { IncomingMessage, OutgoingMessage } from '../../../src/protocol/database/messages'
import { MemoryRecordStore } from '../../../src/protocol/database/memory-record-store'
import type { AccessLevel } from '../../../src/protocol/database/outgoing'
import type { DatabaseRecord } from '../../../src/protocol/database/record'
import type { RecordStore } from '../../../src/protocol/database/record-store'
import { rsaSigner, rsaVerifier } from '../../../src/protocol/database/rsa-signer'
import { RSA_SIGNATURE_ALGORITHM } from '../../../src/protocol/wire/signature'
import type { Signer, Verifier } from '../../../src/protocol/database/signing'
import { encodeBody as encodeWireBody } from '../../../src/protocol/wire/encoder'
import { parseJson } from '../../../src/protocol/wire/json'
import { isJsonObject, type JsonObject, type JsonValue } from '../../../src/protocol/wire/json-value'
import type { WireBody } from '../../../src/protocol/wire/message'

/** A 128-bit ID from a small number, readable in failures: 000…0a1. */
export function id(n: number): string {
  return n.toString(16).padStart(32, '0')
}

export function record(fields: Partial<DatabaseRecord> = {}): DatabaseRecord {
  return {
    key: 'k',
    value: { n: 1 },
    uuid: id(0xaa),
    lastUpdatedBy: id(1),
    lastUpdatedRev: 1n,
    updateTime: 1_700_000_000_000_000_000n,
    vectorClock: new Map([[id(1), 1n]]),
    deleted: false,
    ...fields,
  }
}

/** The wire codec's body bytes (JSON and a newline) and their parse. */
export function encodeBody(body: JsonObject): Uint8Array {
  return encodeWireBody(body as WireBody)
}

export function decodeBody(bytes: Uint8Array): JsonObject {
  const body = parseJson(new TextDecoder().decode(bytes))
  if (!isJsonObject(body)) throw new Error('body is not an object')
  return body
}

export interface Keys {
  readonly signer: Signer
  readonly verifier: Verifier
}

export async function rsaKeys(): Promise<Keys> {
  const pair = await crypto.subtle.generateKey(
    { ...RSA_SIGNATURE_ALGORITHM, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
    false,
    ['sign', 'verify'],
  )
  return { signer: rsaSigner(pair.privateKey), verifier: rsaVerifier(pair.publicKey) }
}

/** What a message looks like after the wire: signed bytes are decoded again, as the codec would. */
export function overTheWire(message: OutgoingMessage): IncomingMessage {
  if (message.kind === 's') return { body: decodeBody(message.signed.bytes), signed: message.signed }
  return { body: decodeBody(encodeBody(message.body)) }
}

export interface PeerOptions {
  readonly access?: AccessLevel
  readonly store?: RecordStore
  readonly resolver?: ConflictResolver
}

interface Link {
  readonly a: string
  readonly b: string
}

/**
 * Peers in one process, joined by links that carry messages through the codec. Time is a
 * counter each peer reads, so `update_time` is under the test's control.
 */
export class Cluster {
  readonly peers = new Map<string, Database>()
  readonly warnings: string[] = []
  readonly outcomes: Array<{ to: string; from: string; outcome: ReceiveOutcome }> = []
  readonly sent: Array<{ from: string; to: string; message: OutgoingMessage }> = []
  private readonly links = new Set<Link>()
  private inFlight = new Set<Promise<unknown>>()
  time = 1_700_000_000_000_000_000n

  constructor(private readonly keys: Keys) {}

  async add(name: string, n: number, options: PeerOptions = {}): Promise<Database> {
    const access = options.access ?? 'read_write'
    const db = await Database.open({
      store: options.store ?? new MemoryRecordStore(),
      peerId: id(n),
      access,
      verifier: this.keys.verifier,
      signer: access === 'read_write' ? this.keys.signer : undefined,
      encodeBody,
      resolver: options.resolver,
      now: () => (this.time += 1_000n),
      log: (level, message) => {
        if (level === 'warn') this.warnings.push(`${name}: ${message}`)
      },
    })
    this.peers.set(name, db)
    return db
  }

  peer(name: string): Database {
    const db = this.peers.get(name)
    if (!db) throw new Error(`no peer ${name}`)
    return db
  }

  /** Connects two peers with a key of `access` and has each ask the other for updates. */
  async link(a: string, b: string, access: AccessLevel = 'read_write'): Promise<Link> {
    const link = { a, b }
    this.links.add(link)
    this.attach(a, b, access)
    this.attach(b, a, access)
    await Promise.all([this.peer(a).requestUpdates(b), this.peer(b).requestUpdates(a)])
    await this.settle()
    return link
  }

  unlink(link: Link): void {
    this.links.delete(link)
    this.peer(link.a).detach(link.b)
    this.peer(link.b).detach(link.a)
  }

  private attach(from: string, to: string, access: AccessLevel): void {
    this.peer(from).attach(to, {
      access,
      send: (message) => {
        this.sent.push({ from, to, message })
        const target = this.peers.get(to)
        if (!target) return
        const delivery = target.receive(from, overTheWire(message)).then((outcome) => {
          this.outcomes.push({ to, from, outcome })
        })
        this.inFlight.add(delivery)
        void delivery.finally(() => this.inFlight.delete(delivery))
      },
    })
  }

  /** Waits until no message is in flight and every peer is idle. */
  async settle(): Promise<void> {
    for (let round = 0; round < 1000; round++) {
      await Promise.all([...this.peers.values()].map((p) => p.idle()))
      if (this.inFlight.size === 0) return
      await Promise.all(this.inFlight)
    }
    throw new Error('cluster did not settle')
  }

  async value(name: string, key: string): Promise<JsonValue | undefined> {
    return (await this.peer(name).get(key))?.value
  }
}
