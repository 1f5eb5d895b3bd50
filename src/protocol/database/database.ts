/**
 * One club's database (database.md): local changes, received updates, `get_updates` and the
 * relay of new updates to every other subscribed connection. No I/O of its own: storage is an
 * injected `RecordStore`, connections are ids with a `send` callback, signatures go through an
 * injected `Signer`/`Verifier`.
 *
 * Work is serialised: every call becomes a job, and the jobs waiting together run as one step
 * over `PendingWrites` and commit in one store transaction, so a burst of updates (a
 * `get_updates` answer) costs one write. Messages go out only after their step is committed.
 */
import { encodeBody } from '../wire/encoder'
import type { JsonObject } from '../wire/json-value'
import type { WireBody } from '../wire/message'
import { nowTimestamp, type Nanoseconds } from '../wire/timestamp'
import {
  keyHolder,
  latestUpdateWins,
  newerWins,
  type Conflict,
  type ConflictResolver,
  type LocalChange,
} from './conflict'
import { DatabaseError } from './errors'
import { isId, randomId, type PeerId } from './ids'
import { LruMap } from './lru-map'
import { GET_UPDATES_TYPE, getUpdatesBody, parseGetUpdates, type IncomingMessage } from './messages'
import { OutgoingUpdate, type AccessLevel, type PeerConnection, type SigningContext } from './outgoing'
import { PendingWrites } from './pending-writes'
import { parseUpdate, sameVersion, UPDATE_TYPE, type DatabaseRecord, type SignedUpdate } from './record'
import type { RecordStore } from './record-store'
import type { Signer, Verifier } from './signing'
import { compareClocks, EMPTY_CLOCK, LogicalClock } from './vector-clock'

/** Every body the database sends has its `type`. */
const encodeWireBody = (body: JsonObject): Uint8Array => encodeBody(body as WireBody)

/** Records per page when answering `get_updates`. */
export const UPDATE_PAGE_RECORDS = 500
/** Jobs per step: bounds the memory one transaction holds. */
const MAX_JOBS_PER_STEP = 5_000
/** Keys whose holder `get` keeps (least recently used dropped first). */
const HOLDERS_KEPT = 16_384
/** Club state names in the store. */
export const REVISION_STATE = 'revision'
export const LOGICAL_CLOCK_STATE = 'logical_clock'

export interface DatabaseOptions {
  readonly store: RecordStore
  /** This peer's ID in the club. */
  readonly peerId: PeerId
  /** The highest key this peer holds: a read-only peer never originates a change. */
  readonly access: AccessLevel
  /** The read-write public key: checks every signature that arrives. */
  readonly verifier: Verifier
  /** The read-write private key; needed (on a read-write peer) to send to read-only connections. */
  readonly signer?: Signer
  /** The body as framed, which a signature covers; the wire's `encodeBody` unless replaced. */
  readonly encodeBody?: (body: JsonObject) => Uint8Array
  readonly resolver?: ConflictResolver
  readonly now?: () => Nanoseconds
  readonly newId?: () => string
  readonly log?: (level: 'debug' | 'warn', message: string) => void
}

export type ReceiveOutcome =
  | { readonly result: 'stored'; readonly record: DatabaseRecord }
  | { readonly result: 'conflict'; readonly record: DatabaseRecord }
  | { readonly result: 'discarded'; readonly reason: 'duplicate' | 'older' | 'equal' }
  | { readonly result: 'rejected'; readonly error: DatabaseError }
  | { readonly result: 'subscribed' }
  | { readonly result: 'ignored' }

interface Attached {
  readonly id: string
  readonly connection: PeerConnection
  subscribed: boolean
  detached: boolean
  /** Everything sent to this connection, in order: backlog pages, then live updates. */
  tail: Promise<void>
}

/** What a step asks for once it is committed. */
type Dispatch =
  | { readonly kind: 'relay'; readonly update: OutgoingUpdate; readonly except?: string }
  | { readonly kind: 'backlog'; readonly to: string; readonly since: ReadonlyMap<PeerId, bigint> }
  | { readonly kind: 'request'; readonly to: string; readonly body: JsonObject }

interface Step {
  readonly writes: PendingWrites
  readonly dispatches: Dispatch[]
  /**
   * No more jobs join the step: it answers a `get_updates`, whose backlog is read once the step
   * is committed, so an update relayed by a later job of the same step would reach the client
   * twice.
   */
  closed?: boolean
}

interface Job {
  run(step: Step): Promise<unknown>
  resolve(value: unknown): void
  reject(error: unknown): void
}

export class Database {
  private readonly connections = new Map<string, Attached>()
  private jobs: Job[] = []
  private draining: Promise<void> | undefined
  private readonly resolver: ConflictResolver
  private readonly now: () => Nanoseconds
  private readonly newId: () => string
  private readonly log: (level: 'debug' | 'warn', message: string) => void
  private readonly signing: SigningContext
  /**
   * The record each key names (`keyHolder`; null: no record), for `get`: the directory extension
   * asks for a key as each record arrives and again as its file is placed, a store read each. A
   * step's commit forgets the keys it wrote and keeps those of the updates it received (looked up
   * whole to check for a key conflict). Not those of local changes: nothing asks for them again
   * soon, and a scan of 10,000 files kept that many records (60 MB more at the peak).
   */
  private readonly holders = new LruMap<string, DatabaseRecord | null>(HOLDERS_KEPT, (key, holder) =>
    this.unheld(key, holder),
  )
  /** The key each kept holder holds, by uuid: a holder that moves away is forgotten at its old key. */
  private readonly heldKeys = new Map<string, string>()
  /** Counts commits: a lookup that a commit overtook keeps nothing. */
  private commits = 0

  private constructor(
    private readonly options: DatabaseOptions,
    /** "each peer keeps its own revision counter": the last revision used, 0 before the first. */
    private revision: bigint,
    private readonly clock: LogicalClock,
  ) {
    this.resolver = options.resolver ?? latestUpdateWins
    this.now = options.now ?? (() => nowTimestamp())
    this.newId = options.newId ?? randomId
    const prefix = `[database ${options.peerId.slice(0, 8)}]`
    const log = options.log ?? (() => {})
    this.log = (level, message) => log(level, `${prefix} ${message}`)
    this.signing = {
      ownAccess: options.access,
      sign: async (body) => {
        if (!options.signer)
          throw new DatabaseError('ERR_DATABASE_SIGNATURE', 'no read-write private key to sign with')
        const bytes = (options.encodeBody ?? encodeWireBody)(body)
        return { bytes, signature: await options.signer.sign(bytes) }
      },
    }
  }

  /** Loads the revision counter and logical clock; a revision found in the records wins if higher. */
  static async open(options: DatabaseOptions): Promise<Database> {
    const { store, peerId } = options
    if (!isId(peerId))
      throw new DatabaseError(
        'ERR_DATABASE_FIELD',
        `peer ID ${JSON.stringify(peerId)} is not 32 lowercase hex characters`,
      )
    const saved = BigInt((await store.getState(REVISION_STATE)) ?? '0')
    const used = (await store.maxRevisions()).get(peerId) ?? 0n
    const clock = BigInt((await store.getState(LOGICAL_CLOCK_STATE)) ?? '0')
    return new Database(options, saved > used ? saved : used, new LogicalClock(peerId, clock))
  }

  get peerId(): PeerId {
    return this.options.peerId
  }

  /** The peer's logical clock (vector clock rules 1 to 4). */
  get logicalClock(): bigint {
    return this.clock.current
  }

  get revisionCounter(): bigint {
    return this.revision
  }

  // --- reading -----------------------------------------------------------------------------

  /** The live record a key names, if any. */
  async get(key: string): Promise<DatabaseRecord | undefined> {
    let holder = this.holders.get(key)
    if (holder === undefined) {
      const commits = this.commits
      holder = keyHolder(await this.options.store.getByKey(key)) ?? null
      if (commits === this.commits) this.keepHolder(key, holder)
    }
    return holder && !holder.deleted ? holder : undefined
  }

  private keepHolder(key: string, holder: DatabaseRecord | null): void {
    this.holders.set(key, holder)
    if (holder) this.heldKeys.set(holder.uuid, key)
  }

  private forgetKey(key: string): void {
    this.unheld(key, this.holders.take(key))
  }

  private unheld(key: string, holder: DatabaseRecord | null | undefined): void {
    if (holder && this.heldKeys.get(holder.uuid) === key) this.heldKeys.delete(holder.uuid)
  }

  /**
   * A step is committed: the keys its records have (and had, for a holder renamed away) may name
   * another record now. Only the holder leaving a key changes whom it names: a key's holder is
   * the newest of its records, which the others leaving does not change.
   */
  private committed(
    written: readonly DatabaseRecord[],
    lookedUp: ReadonlyMap<string, readonly DatabaseRecord[]>,
  ): void {
    this.commits++
    for (const record of written) {
      this.forgetKey(record.key)
      const held = this.heldKeys.get(record.uuid)
      if (held !== undefined) this.forgetKey(held)
    }
    for (const [key, records] of lookedUp) this.keepHolder(key, keyHolder(records) ?? null)
  }

  async getByUuid(uuid: string): Promise<DatabaseRecord | undefined> {
    return this.options.store.getByUuid(uuid)
  }

  // --- local changes -----------------------------------------------------------------------

  set(key: string, value: LocalChange['value']): Promise<DatabaseRecord> {
    return this.change({ key, value }) as Promise<DatabaseRecord>
  }

  /** Deletes by writing a tombstone; a key that is missing or already deleted changes nothing. */
  delete(key: string): Promise<DatabaseRecord | undefined> {
    return this.change({ key, value: null, deleted: true })
  }

  /** Any local change: with `uuid`, that record (a new `key` renames it). */
  change(change: LocalChange): Promise<DatabaseRecord | undefined> {
    return this.enqueue((step) => this.applyLocalChange(change, step))
  }

  private async applyLocalChange(change: LocalChange, step: Step): Promise<DatabaseRecord | undefined> {
    if (this.options.access === 'read_only') {
      throw new DatabaseError(
        'ERR_READ_ONLY',
        `a read-only peer cannot change key ${JSON.stringify(change.key)}`,
      )
    }
    let current: DatabaseRecord | undefined
    if (change.uuid !== undefined) {
      if (!isId(change.uuid))
        throw new DatabaseError(
          'ERR_DATABASE_FIELD',
          `uuid ${JSON.stringify(change.uuid)} is not 32 lowercase hex characters`,
        )
      current = await step.writes.getByUuid(change.uuid)
      const holder = keyHolder(await step.writes.getByKey(change.key))
      if (holder && !holder.deleted && holder.uuid !== change.uuid) {
        throw new DatabaseError(
          'ERR_KEY_TAKEN',
          `key ${JSON.stringify(change.key)} is held by record ${holder.uuid}`,
        )
      }
    } else {
      current = keyHolder(await step.writes.getByKey(change.key))
    }
    const deleted = change.deleted ?? false
    if (deleted && (!current || current.deleted)) return current
    if (change.concurrent && !deleted && current && !current.deleted)
      return this.resolveHere(change, current, step)
    // "When a record change originates locally, the revision counter is incremented by one and
    // its value is written to the `last_updated_rev` field."
    this.revision += 1n
    const record: DatabaseRecord = {
      key: change.key,
      value: change.value,
      uuid: current?.uuid ?? change.uuid ?? this.newId(),
      lastUpdatedBy: this.peerId,
      lastUpdatedRev: this.revision,
      updateTime: this.now(),
      vectorClock: this.clock.localChange(current?.vectorClock ?? EMPTY_CLOCK),
      deleted,
    }
    step.writes.put(record)
    step.dispatches.push({ kind: 'relay', update: OutgoingUpdate.fromRecord(record) })
    return record
  }

  /**
   * A local change concurrent with the stored version (`LocalChange.concurrent`): the conflict is
   * resolved as `applyUpdate` resolves one. Only this peer sees it, since the change goes out with
   * a clock that descends from the stored version; so the resolver keeps the loser here
   * (`Conflict.here`), and its changes (the loser's copy) are made first: a peer that takes the
   * change still holds the version it replaces when the copy reaches it.
   */
  private async resolveHere(
    change: LocalChange,
    current: DatabaseRecord,
    step: Step,
  ): Promise<DatabaseRecord> {
    const candidate: DatabaseRecord = {
      key: change.key,
      value: change.value,
      uuid: current.uuid,
      lastUpdatedBy: this.peerId,
      lastUpdatedRev: this.revision + 1n,
      updateTime: this.now(),
      vectorClock: this.clock.localChange(current.vectorClock),
      deleted: false,
    }
    const winner = newerWins(candidate, current) ? 'incoming' : 'current'
    const resolution = this.resolver({ kind: 'version', current, incoming: candidate, winner, here: true })
    this.log(
      'debug',
      `local change of ${JSON.stringify(change.key)} concurrent with the stored one: kept ${resolution.keep}`,
    )
    await this.originate(resolution.changes ?? [], step)
    if (resolution.keep === 'current') return current
    this.revision += 1n
    const record: DatabaseRecord = { ...candidate, lastUpdatedRev: this.revision }
    step.writes.put(record)
    step.dispatches.push({ kind: 'relay', update: OutgoingUpdate.fromRecord(record) })
    return record
  }

  // --- connections -------------------------------------------------------------------------

  attach(id: string, connection: PeerConnection): void {
    this.connections.set(id, { id, connection, subscribed: false, detached: false, tail: Promise.resolve() })
  }

  /** Stops every send to the connection, including an unfinished `get_updates` answer. */
  detach(id: string): void {
    const attached = this.connections.get(id)
    if (attached) attached.detached = true
    this.connections.delete(id)
  }

  /** Sends `database.get_updates` with the highest revision held per peer. */
  requestUpdates(id: string): Promise<void> {
    return this.enqueue(async (step) => {
      step.dispatches.push({
        kind: 'request',
        to: id,
        body: getUpdatesBody(await step.writes.maxRevisions()),
      })
    })
  }

  /** One message from a connection; messages of other extensions are ignored. */
  receive(id: string, message: IncomingMessage): Promise<ReceiveOutcome> {
    const type = message.body.type
    if (type !== UPDATE_TYPE && type !== GET_UPDATES_TYPE) return Promise.resolve({ result: 'ignored' })
    return this.enqueue(async (step) => {
      const attached = this.connections.get(id)
      if (!attached)
        return this.reject(id, new DatabaseError('ERR_UNKNOWN_CONNECTION', `no connection ${id} is attached`))
      try {
        if (type === UPDATE_TYPE) return await this.applyUpdate(attached, message, step)
        // "Once a client sends a get_updates message, it is subscribed to all future update messages"
        step.dispatches.push({ kind: 'backlog', to: id, since: parseGetUpdates(message.body) })
        step.closed = true
        return { result: 'subscribed' }
      } catch (err) {
        if (err instanceof DatabaseError) return this.reject(id, err)
        throw err
      }
    })
  }

  private reject(id: string, error: DatabaseError): ReceiveOutcome {
    this.log('warn', `connection ${id}: rejected ${error.code}: ${error.message}`)
    return { result: 'rejected', error }
  }

  // --- receiving an update -----------------------------------------------------------------

  private async applyUpdate(from: Attached, message: IncomingMessage, step: Step): Promise<ReceiveOutcome> {
    const { signed } = message
    // Updates from a read-only key must carry the read-write signature: that is what stops a
    // read-only peer from originating or forging a change. A read-only peer stores nothing
    // unsigned, since it could never repeat it.
    if (!signed && (from.connection.access === 'read_only' || this.options.access === 'read_only')) {
      throw new DatabaseError('ERR_DATABASE_SIGNATURE', 'unsigned database.update on a read-only connection')
    }
    const incoming = parseUpdate(message.body, signed)
    if (signed && !(await this.options.verifier.verify(signed.bytes, signed.signature))) {
      throw new DatabaseError(
        'ERR_DATABASE_SIGNATURE',
        `signature of the update of record ${incoming.uuid} does not verify with the read-write key`,
      )
    }
    if (incoming.lastUpdatedBy === this.peerId && incoming.lastUpdatedRev > this.revision)
      this.revision = incoming.lastUpdatedRev
    const current = await step.writes.getByUuid(incoming.uuid)
    // "The receiver of an update should look at its database to see if the update is already present."
    if (current && sameVersion(current, incoming)) return { result: 'discarded', reason: 'duplicate' }
    const merged = this.clock.receive(incoming.vectorClock, current?.vectorClock ?? EMPTY_CLOCK)
    const relay = (): void => {
      step.dispatches.push({
        kind: 'relay',
        update: new OutgoingUpdate(message.body, signed),
        except: from.id,
      })
    }
    const order = current ? compareClocks(incoming.vectorClock, current.vectorClock) : 'incoming-newer'
    if (order === 'incoming-older') return { result: 'discarded', reason: 'older' }
    if (!current || order === 'incoming-newer') {
      step.writes.put(incoming)
      relay()
      await this.checkKey(incoming, step)
      return { result: 'stored', record: incoming }
    }
    // Equal clocks on different versions only come from two earlier conflicts resolved apart;
    // resolving again brings both sides to the same record (docs/protocol-notes/database.md).
    const conflict: Conflict = {
      kind: 'version',
      current,
      incoming,
      winner: newerWins(incoming, current) ? 'incoming' : 'current',
    }
    const resolution = this.resolver(conflict)
    const kept = resolution.keep === 'incoming' ? incoming : current
    if (order === 'equal' && kept === current) return { result: 'discarded', reason: 'equal' }
    const record: DatabaseRecord = { ...kept, vectorClock: merged }
    step.writes.put(record)
    if (order === 'conflict') relay()
    this.log(
      'debug',
      `conflict on record ${incoming.uuid} (${JSON.stringify(incoming.key)}): kept ${resolution.keep}`,
    )
    await this.originate(resolution.changes ?? [], step)
    await this.checkKey(record, step)
    return { result: 'conflict', record }
  }

  /** "two records with the same key ... but different uuid values": both stay, the resolver hears of it. */
  private async checkKey(record: DatabaseRecord, step: Step): Promise<void> {
    if (record.deleted) return
    for (const other of await step.writes.getByKey(record.key, true)) {
      if (other.uuid === record.uuid || other.deleted) continue
      const conflict: Conflict = {
        kind: 'key',
        current: other,
        incoming: record,
        winner: newerWins(record, other) ? 'incoming' : 'current',
      }
      this.log(
        'debug',
        `key conflict on ${JSON.stringify(record.key)}: records ${other.uuid} and ${record.uuid}`,
      )
      await this.originate(this.resolver(conflict).changes ?? [], step)
    }
  }

  private async originate(changes: readonly LocalChange[], step: Step): Promise<void> {
    for (const change of changes) {
      try {
        await this.applyLocalChange(change, step)
      } catch (err) {
        if (!(err instanceof DatabaseError)) throw err
        this.log('warn', `conflict resolver change of ${JSON.stringify(change.key)} dropped: ${err.message}`)
      }
    }
  }

  // --- the job queue -----------------------------------------------------------------------

  private enqueue<T>(run: (step: Step) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.jobs.push({ run, resolve: resolve as (value: unknown) => void, reject })
      this.draining ??= this.drain()
    })
  }

  private async drain(): Promise<void> {
    while (this.jobs.length > 0) {
      const jobs: Job[] = []
      const step: Step = { writes: new PendingWrites(this.options.store), dispatches: [] }
      const results: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = []
      // Jobs queued while the step runs join it: the updates of a burst arrive message by message
      // while the first ones run, and taking only those queued at the start made a transaction
      // for every dozen (871 for a sync of 10,000 files).
      while (this.jobs.length > 0 && jobs.length < MAX_JOBS_PER_STEP && !step.closed) {
        const taken = this.jobs.splice(0, MAX_JOBS_PER_STEP - jobs.length)
        for (const [i, job] of taken.entries()) {
          if (step.closed) {
            this.jobs.unshift(...taken.slice(i))
            break
          }
          jobs.push(job)
          try {
            results.push({ ok: true, value: await job.run(step) })
          } catch (error) {
            results.push({ ok: false, error })
          }
        }
      }
      step.writes.state.set(REVISION_STATE, this.revision.toString())
      step.writes.state.set(LOGICAL_CLOCK_STATE, this.clock.current.toString())
      const batch = step.writes.toBatch()
      try {
        await this.options.store.write(batch)
      } catch (err) {
        this.log('warn', `store write of ${jobs.length} jobs failed: ${(err as Error).message}`)
        const error = new DatabaseError('ERR_STORE', `store write failed: ${(err as Error).message}`)
        for (const job of jobs) job.reject(error)
        continue
      }
      this.committed(batch.records, step.writes.keysLookedUp())
      jobs.forEach((job, i) => {
        const r = results[i]
        if (r?.ok) job.resolve(r.value)
        else job.reject(r?.error)
      })
      for (const dispatch of step.dispatches) this.dispatch(dispatch)
    }
    this.draining = undefined
  }

  // --- sending -----------------------------------------------------------------------------

  private dispatch(dispatch: Dispatch): void {
    if (dispatch.kind === 'relay') {
      // "implementations shouldn't repeat the message back to the peer that just sent it"
      for (const c of this.connections.values()) {
        if (c.subscribed && c.id !== dispatch.except)
          this.queueSend(c, () => this.sendUpdate(c, dispatch.update))
      }
      return
    }
    const c = this.connections.get(dispatch.to)
    if (!c) return
    if (dispatch.kind === 'request') {
      this.queueSend(c, async () => c.connection.send({ kind: 'm', body: dispatch.body }))
      return
    }
    // Subscribed from here: live updates queue behind the backlog, so the client never holds a
    // revision whose predecessors are still on their way ("records are sent and processed in
    // order, with no records skipped").
    c.subscribed = true
    this.queueSend(c, () => this.sendBacklog(c, dispatch.since))
  }

  private queueSend(c: Attached, send: () => Promise<void>): void {
    c.tail = c.tail.then(async () => {
      if (c.detached) return
      try {
        await send()
      } catch (err) {
        this.log('warn', `connection ${c.id}: send failed: ${(err as Error).message}`)
      }
    })
  }

  private async sendBacklog(c: Attached, since: ReadonlyMap<PeerId, bigint>): Promise<void> {
    let sent = 0
    for await (const page of this.options.store.changedSince(since, UPDATE_PAGE_RECORDS)) {
      for (const record of page) {
        if (c.detached) return
        await this.sendUpdate(c, OutgoingUpdate.fromRecord(record))
        sent++
      }
    }
    this.log('debug', `connection ${c.id}: answered get_updates with ${sent} updates`)
  }

  private async sendUpdate(c: Attached, update: OutgoingUpdate): Promise<void> {
    const message = await update.messageFor(c.connection.access, this.signing)
    if (!message) {
      this.log('warn', `connection ${c.id}: no signed form of an update to repeat; not sent`)
      return
    }
    this.clock.send() // rule 3
    await c.connection.send(message)
    const signing = update.takeNewSignature()
    const { record } = update
    if (signing && record)
      void signing
        .then((signed) => this.keepSignature(record, signed))
        .catch((err: unknown) => this.log('warn', `keeping a signature failed: ${(err as Error).message}`))
  }

  /**
   * Keeps a signature made for a read-only connection with the record it was made for, so the
   * next read-only peer that asks for the record costs no RSA operation.
   */
  private keepSignature(record: DatabaseRecord, signed: SignedUpdate): Promise<void> {
    return this.enqueue(async (step) => {
      const stored = await step.writes.getByUuid(record.uuid)
      if (
        !stored ||
        stored.signed ||
        !sameVersion(stored, record) ||
        compareClocks(stored.vectorClock, record.vectorClock) !== 'equal'
      )
        return
      step.writes.put({ ...stored, signed })
    })
  }

  /** Resolves once no job is waiting and every connection has sent what was queued for it. */
  async idle(): Promise<void> {
    for (;;) {
      const draining = this.draining
      const tails = [...this.connections.values()].map((c) => c.tail)
      await draining
      await Promise.all(tails)
      const settled =
        this.draining === undefined && [...this.connections.values()].every((c, i) => c.tail === tails[i])
      if (settled) return
    }
  }
}
