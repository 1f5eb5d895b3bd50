/**
 * The directory extension for one share (directory.md): keeps a local folder and the share's
 * database in step, both ways, and talks to peers about file contents.
 *
 * - Local to database: a scan's batch of changes becomes `database` changes (a move keeps its
 *   record's uuid, so peers move the file instead of fetching it again).
 * - Database to local: each record stored from a peer is materialized (`Materializer`), with
 *   contents fetched from peers (`Fetcher`).
 * - Presence: a new link is asked for its bloom filter, ours is sent on request, and each content
 *   that arrives is announced with `directory.present`.
 *
 * Changes to the folder and the local index run one at a time, in order.
 */
import type { LocalChange } from '../database/conflict'
import type { Database } from '../database/database'
import type { AccessLevel } from '../database/outgoing'
import type { DatabaseRecord } from '../database/record'
import { concatBytes } from '../wire/bytes'
import type { JsonObject } from '../wire/json-value'
import { CountingBloomFilter, PresenceFilter } from './bloom'
import type { ConflictCopies } from './conflict-copies'
import type { RandomBytes } from './conflict-name'
import { Fetcher, type FetchLink, type Throttle, type TransferProgress } from './fetcher'
import type { FileStore, TempFile } from './file-store'
import { serializeFileValue, type FileValue } from './file-value'
import type { HasherFactory } from './hasher'
import { Selection } from './ignore'
import type { LocalIndex } from './local-index'
import { LocalState } from './local-state'
import { localEntry, Materializer } from './materializer'
import { directoryBody, parseDirectoryMessage } from './messages'
import { fileValueOf, pathOfKey } from './record-view'
import { scan, type ChangeBatch, type ScannedEntry, type ScanProgress } from './scanner'
import { parentPath, parseSharePath, ROOT_PATH, type SharePath } from './share-path'

/** A bloom filter is at most 16 MiB (bloom.ts); refuse to collect more than that from a peer. */
const MAX_FILTER_BYTES = 16 * 1024 * 1024
/** Verified contents placed at once (each a rename and two fsyncs): enough to keep the disk busy. */
const MAX_CONCURRENT_PLACES = 16
/** Queued changes after which the local index is saved even if more are waiting. */
const FLUSH_EVERY_TASKS = 500
/** While changes keep coming, the local index is saved at most this often (and on close). */
const FLUSH_INTERVAL_MS = 1_000

export interface DirectoryShareOptions {
  readonly database: Database
  /** Every record of the share's database, in pages: materialized when the share opens. */
  readonly records: () => AsyncIterable<readonly DatabaseRecord[]>
  readonly store: FileStore
  readonly index: LocalIndex
  readonly createHasher: HasherFactory
  readonly access: AccessLevel
  /** The resolver given to the database, and the conflict copies it decides. */
  readonly conflicts: ConflictCopies
  readonly selection?: Selection
  readonly archive?: boolean
  readonly random?: () => number
  readonly randomBytes: RandomBytes
  readonly now?: () => number
  readonly pieceBytes?: number
  readonly upload?: Throttle
  readonly download?: Throttle
  readonly log: (level: 'debug' | 'info' | 'warn', message: string) => void
  /** Something changed that a progress display would show. */
  readonly changed?: () => void
}

/** A link as the directory extension sees it. */
export interface DirectoryLink extends FetchLink {
  readonly id: string
}

export interface DirectoryProgress extends TransferProgress {
  readonly files: number
  readonly scanning?: ScanProgress
}

export class DirectoryShare {
  private readonly fetcher: Fetcher
  private readonly materializer: Materializer
  private readonly selection: Selection
  private readonly links = new Map<string, DirectoryLink>()
  private queue: Promise<unknown> = Promise.resolve()
  private scanning: ScanProgress | undefined
  /** Changes queued or running, and those run since the local index was last saved. */
  private queued = 0
  private sinceFlush = 0
  private lastFlushAt = Number.NEGATIVE_INFINITY
  private readonly now: () => number
  private flushTimer: ReturnType<typeof setTimeout> | undefined
  /** Contents verified and waiting to be placed by the next queued change. */
  private arrivals: { tasks: Array<() => Promise<void>>; done: Promise<void> | undefined } | undefined

  private constructor(
    private readonly o: DirectoryShareOptions,
    private readonly state: LocalState,
  ) {
    this.selection = o.selection ?? new Selection()
    const now = o.now ?? Date.now
    this.now = now
    this.materializer = new Materializer({
      database: o.database,
      store: o.store,
      state,
      selection: this.selection,
      createHasher: o.createHasher,
      randomBytes: o.randomBytes,
      access: o.access,
      archive: o.archive ?? false,
      want: (path, value, uuid) => {
        this.fetcher.want(path, value, uuid)
        this.o.changed?.()
      },
      log: o.log,
    })
    this.fetcher = new Fetcher({
      store: o.store,
      state,
      selection: this.selection,
      createHasher: o.createHasher,
      random: o.random ?? Math.random,
      now,
      fetched: (sha256, temp, targets, from) => this.arrived(() => this.place(sha256, temp, targets, from)),
      log: o.log,
      ...(o.pieceBytes ? { pieceBytes: o.pieceBytes } : {}),
      ...(o.upload ? { upload: o.upload } : {}),
      ...(o.download ? { download: o.download } : {}),
    })
  }

  /** Loads the local index and materializes every live record (resuming what was fetching). */
  static async open(o: DirectoryShareOptions): Promise<DirectoryShare> {
    const share = new DirectoryShare(o, await LocalState.open(o.index))
    await share.serial(async () => {
      for await (const page of o.records()) {
        for (const record of page) {
          // A deletion stored but not yet applied when the share last closed (or crashed): its
          // file is still here and unchanged, so no scan would ever notice it.
          if (record.deleted && share.state.pathOf(record.uuid) !== undefined) {
            await share.materializer.reconcile(record)
            continue
          }
          const path = record.deleted ? undefined : pathOfKey(record.key)
          const holder = path === undefined ? undefined : await o.database.get(record.key)
          if (path !== undefined && holder?.uuid === record.uuid)
            await share.materializer.materialize(path, holder)
        }
      }
    })
    return share
  }

  /** Whether this device holds the current content of `path` (a folder counts once created). */
  holds(path: string): boolean {
    return this.state.get(path as SharePath) !== undefined
  }

  /** Each link's download and upload rates, by link id. */
  linkRates(): ReturnType<Fetcher['linkRates']> {
    return this.fetcher.linkRates()
  }

  /** Files arriving now, with the bytes in so far (a per-file progress display). */
  downloading(): ReturnType<Fetcher['downloading']> {
    return this.fetcher.downloading()
  }

  progress(): DirectoryProgress {
    const files = this.state.size
    const transfer = this.fetcher.progress()
    return this.scanning ? { ...transfer, files, scanning: this.scanning } : { ...transfer, files }
  }

  /** Scans the folder and records what changed; on a read-only peer nothing is recorded. */
  scan(): Promise<ChangeBatch> {
    return this.serial(async () => {
      try {
        const batch = await scan({
          store: this.o.store,
          createHasher: this.o.createHasher,
          known: this.state.all(),
          selection: this.selection,
          onProgress: (p) => {
            this.scanning = p.phase === 'done' ? undefined : p
            this.o.changed?.()
          },
        })
        await this.record(batch)
        return batch
      } finally {
        this.scanning = undefined
      }
    })
  }

  /**
   * Whether the entry at `local` (a path in the folder, as a change notification names it) differs
   * from what this share last saw or wrote there, by the scan's own measure (kind, size, mtime).
   * The engine's own writes (a fetched file put in place, a peer's deletion applied) notify too,
   * and are then no reason to scan the whole folder.
   */
  async changedOnDisk(local: string): Promise<boolean> {
    try {
      const localPath = parseSharePath(local)
      if (localPath === ROOT_PATH) return true
      const path = this.selection.toShare(localPath)
      const [known, disk] = [this.state.get(path), await this.o.store.stat(localPath)]
      if (!disk) return known !== undefined
      if (disk.kind === 'other' || !this.selection.includes(path, disk.kind === 'directory')) return false
      if (known?.kind !== disk.kind) return true
      return disk.kind === 'file' && (known.size !== disk.size || known.mtimeNs !== disk.mtimeNs)
    } catch {
      return true // a name the scan will report as it is, or a folder it cannot read
    }
  }

  /** A record was stored from a peer (or a conflict was resolved): bring the folder in line. */
  recordStored(record: DatabaseRecord): Promise<void> {
    return this.serial(async () => {
      await this.materializer.applyCopies(this.o.conflicts.take())
      // A record whose key is no safe path is kept in the database (it is a valid record of the
      // club, and other software may read it) but never touches the folder.
      const path = pathOfKey(record.key, (m) =>
        this.o.log('warn', `record ${record.uuid} not applied to the folder: ${m}`),
      )
      if (path === undefined) return
      const holder = await this.o.database.get(record.key)
      const value = holder && fileValueOf(holder)
      this.fetcher.retarget(path, value?.kind === 'file' ? value.sha256 : undefined)
      await this.materializer.reconcile(record, holder ?? null)
    })
  }

  /** Waits for the queued changes and saves the local index: the share is about to close. */
  async close(): Promise<void> {
    await this.fetcher.close()
    await this.queue
    await this.flushIndex()
  }

  /** A peer link opened: the fetcher may use it, and we ask what it has. */
  attach(link: DirectoryLink): void {
    this.links.set(link.id, link)
    this.fetcher.addLink(link.id, link)
    void link.send({ type: 'directory.get_presence' }).catch(() => undefined)
  }

  detach(id: string): void {
    this.links.delete(id)
    this.fetcher.removeLink(id)
  }

  /** One `directory.*` message from a link. */
  async receive(
    link: DirectoryLink,
    body: JsonObject,
    payload: AsyncIterable<Uint8Array> | null,
  ): Promise<void> {
    const message = parseDirectoryMessage(body)
    if (!message) return
    switch (message.type) {
      case 'directory.get_presence':
        return this.sendPresence(link)
      case 'directory.bloom_filter': {
        const bytes = await collect(payload, MAX_FILTER_BYTES)
        this.fetcher.setPresence(
          link.id,
          PresenceFilter.fromMessage(message.kValue === 0 ? 1 : message.kValue, bytes),
        )
        return
      }
      case 'directory.present':
        return this.fetcher.present(link.id, message.sha256)
      case 'directory.get':
        return this.fetcher.serve(link, message.sha256, message.range)
      case 'directory.data':
        await this.fetcher.data(link.id, message.sha256, message.range, payload)
        this.o.changed?.()
        return
      case 'directory.not_present':
        return this.fetcher.notPresent(link.id, message.sha256)
      case 'directory.get_error':
        return this.fetcher.getError(link.id, message.sha256, message.message)
    }
  }

  /**
   * A verified content to put in place. Contents that arrive while the folder is busy are placed
   * together, concurrently, as one queued change: each has its own target paths (a path wants one
   * content at a time), and a commit is mostly waiting on the disk (fsync, rename), so placing
   * them one by one would bound a sync of small files by the disk's latency.
   */
  private arrived(place: () => Promise<void>): Promise<void> {
    const batch = (this.arrivals ??= { tasks: [], done: undefined })
    batch.tasks.push(place)
    batch.done ??= this.serial(async () => {
      this.arrivals = undefined
      await runLimited(batch.tasks, MAX_CONCURRENT_PLACES, (err) =>
        this.o.log('warn', `directory: placing a fetched file failed: ${err.message}`),
      )
    })
    return batch.done
  }

  /** Runs `task` after every change queued before it; the local index is saved after each. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    this.queued++
    const run = this.queue.then(task).finally(() => {
      // The local index is saved once the queue runs dry (or every FLUSH_EVERY_TASKS changes in a
      // long burst), not after each change: a burst of 10,000 records would be 10,000
      // transactions. A crash in between loses only index entries, which the next scan rebuilds
      // by hashing those files again.
      // The queue also runs dry between files that arrive one by one: then the save waits for
      // FLUSH_INTERVAL_MS since the last one, or a fast disk makes it a transaction per file.
      this.queued--
      if (++this.sinceFlush >= FLUSH_EVERY_TASKS) return this.flushIndex()
      if (this.queued > 0) return undefined
      const wait = this.lastFlushAt + FLUSH_INTERVAL_MS - this.now()
      if (wait <= 0) return this.flushIndex()
      this.flushTimer ??= setTimeout(() => {
        this.flushTimer = undefined
        this.flushIndex().catch((err: unknown) =>
          this.o.log('warn', `directory: saving the local index failed: ${(err as Error).message}`),
        )
      }, wait)
      return undefined
    })
    this.queue = run.catch((err: unknown) => this.o.log('warn', `directory: ${(err as Error).message}`))
    return run
  }

  private flushIndex(): Promise<void> {
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    this.sinceFlush = 0
    this.lastFlushAt = this.now()
    return this.state.flush(() => this.o.store.settle?.() ?? Promise.resolve())
  }

  private async sendPresence(link: DirectoryLink): Promise<void> {
    const contents = [...this.state.contents()]
    const filter = CountingBloomFilter.forFiles(Math.max(1, contents.length))
    for (const sha256 of contents) filter.add(sha256)
    const body = directoryBody({ type: 'directory.bloom_filter', kValue: filter.k })
    await link.send(body, once(filter.toAttachment()))
  }

  /**
   * A fetched content is verified: commit it at the first path whose record still wants it and
   * that takes it (the temporary file stays open to the next if one does not), copy it to the rest.
   */
  private async place(
    sha256: string,
    temp: TempFile,
    targets: ReadonlyMap<SharePath, string>,
    from: string | undefined,
  ): Promise<void> {
    let placed = false
    for (const [path, uuid] of targets) {
      const holder = await this.o.database.get(path)
      const value = holder && fileValueOf(holder)
      if (value?.kind !== 'file' || value.sha256 !== sha256) continue
      if (placed) await this.materializer.materialize(path, holder!)
      else
        placed = await this.materializer.commit(path, temp, value, uuid).catch((err: unknown) => {
          this.o.log('warn', `directory: placing ${path} failed: ${(err as Error).message}`)
          return false
        })
    }
    if (!placed) {
      await temp.close()
      return
    }
    // The peer it came from has it: with two peers, that spares a message per file.
    this.announce([sha256], from)
    this.o.changed?.()
  }

  /** directory.md, "Changes to File Presence": tell every link about contents we now hold. */
  private announce(contents: Iterable<string>, except?: string): void {
    for (const sha256 of contents) {
      const body = directoryBody({ type: 'directory.present', sha256 })
      for (const link of this.links.values())
        if (link.id !== except) void link.send(body).catch(() => undefined)
    }
  }

  /** Turns a scan's batch into database changes. */
  private async record(batch: ChangeBatch): Promise<void> {
    const changes = batch.added.length + batch.modified.length + batch.deleted.length + batch.moved.length
    if (changes === 0) return
    if (this.o.access === 'read_only') {
      this.o.log(
        'warn',
        `${changes} local change(s) not shared: this device has read-only access to the share`,
      )
      return
    }
    const db = this.o.database
    // Every path this batch changes: its own job records it, so none is taken as it was before.
    const changing = new Set<string>([
      ...[...batch.added, ...batch.modified].map((e) => e.path),
      ...batch.moved.flatMap((m) => [m.from, m.to.path]),
      ...batch.deleted.map((d) => d.path),
      ...batch.skipped.map((s) => s.path),
    ])
    const jobs: Promise<unknown>[] = []
    for (const entry of [...batch.added, ...batch.modified]) jobs.push(this.recordEntry(entry, changing))
    for (const { from, to } of batch.moved) {
      const previous = this.state.get(from)
      jobs.push(
        (async () => {
          // Moved away from a path whose newer version is on its way: the moved file is a new
          // file, and the old path is left to the peer's version (the same as a deletion there).
          if (await this.awaitingPeer(from)) {
            this.o.log('info', `${from} moved away here while a newer version is on its way`)
            await this.recordEntry(to, changing)
            return
          }
          const holder = await db.get(to.path)
          if (holder && holder.uuid !== previous?.uuid) {
            // Another record holds the target path, one this folder has not placed (a path it
            // knows would be a change, not a move's target): the moved file is a new file there,
            // and its old path is given up only once it is recorded.
            if (await this.recordEntry(to, changing))
              await db.delete(from).then(() => this.state.delete(from))
            return
          }
          const value = await this.valueFor(to, from)
          const r = await db.change({
            ...(previous?.uuid ? { uuid: previous.uuid } : {}),
            key: to.path,
            value: serializeFileValue(value),
          })
          this.state.delete(from)
          this.state.set(to.path, localEntry(to, to.sha256, r?.uuid))
        })(),
      )
    }
    for (const { path } of batch.deleted) {
      jobs.push(
        this.awaitingPeer(path).then(async (awaiting) => {
          // A deletion of the version a peer's newer one is replacing would delete the peer's,
          // which it never saw: the peer's version takes the path once it arrives instead.
          if (awaiting) {
            this.o.log('info', `${path} deleted here while a newer version is on its way`)
            return
          }
          await db.delete(path)
          this.state.delete(path)
        }),
      )
    }
    await Promise.all(jobs)
    const contents = [...batch.added, ...batch.modified, ...batch.moved.map((m) => m.to)].flatMap((e) =>
      e.sha256 ? [e.sha256] : [],
    )
    this.announce(new Set(contents))
    this.o.log('info', `recorded ${changes} local change(s)`)
  }

  /**
   * Records a file or folder found new or changed here; false when it is left unrecorded.
   * `changing`: the paths the same batch changes.
   */
  private async recordEntry(entry: ScannedEntry, changing: ReadonlySet<string>): Promise<boolean> {
    if (entry.sha256 !== null) {
      const unseen = await this.unseenHolder(entry.path, entry.sha256)
      if (unseen) return this.recordOverUnseen(entry, entry.sha256, unseen.uuid, changing)
    }
    // A folder put at a path whose peer's file has not arrived stays on disk unrecorded until
    // that file lands (Materializer.commit then leaves it be): as a change of the file's record,
    // a folder that lost could not be kept under a conflict name (ConflictCopies keeps files).
    if (await this.awaitingPeer(entry.path, entry.sha256)) {
      this.o.log('info', `${entry.path} changed here while a newer version is on its way`)
      return false
    }
    const r = await this.o.database.set(entry.path, serializeFileValue(await this.valueFor(entry)))
    this.state.set(entry.path, localEntry(entry, entry.sha256, r.uuid))
    return true
  }

  /**
   * directory.md, "Local file changes": a file changed or put here while a peer's version of its
   * path is on its way "would result in a conflict". It is recorded at once as a change
   * concurrent with the peer's (left unrecorded until that arrived, it was never shared if it
   * never did), and the conflict is resolved here: the loser is kept under a conflict name, copied
   * if it is this file, fetched once it can be if it is the peer's version. `uuid`: the record of
   * the peer's version, which the change is made on whether or not this folder placed it.
   */
  private async recordConcurrent(entry: ScannedEntry, sha256: string, uuid: string): Promise<boolean> {
    const value = serializeFileValue(await this.valueFor(entry))
    const r = await this.changeFrom(entry, sha256, uuid, { key: entry.path, value, concurrent: true })
    this.o.log('info', `${entry.path} changed here while a newer version was on its way: kept both`)
    await this.materializer.applyCopies(this.o.conflicts.take())
    const kept = r && fileValueOf(r)
    if (kept?.kind === 'file') this.fetcher.retarget(entry.path, kept.sha256)
    return true
  }

  /**
   * A file changed or put here over the peer's version of record `uuid`, not caught up with. Once
   * an earlier save of it lost to that version and was kept under a conflict name, later saves
   * made before the peer's content arrives go to that copy: a conflict each would leave the
   * person one copy per save.
   */
  private async recordOverUnseen(
    entry: ScannedEntry,
    sha256: string,
    uuid: string,
    changing: ReadonlySet<string>,
  ): Promise<boolean> {
    const copy = await this.lostCopyOf(entry.path, uuid, changing)
    if (!copy) return this.recordConcurrent(entry, sha256, uuid)
    const value = serializeFileValue({ ...(await this.valueFor(entry, copy.path)), conflictSource: uuid })
    await this.changeFrom(entry, sha256, uuid, { uuid: copy.uuid, key: copy.path, value })
    this.o.log(
      'info',
      `${entry.path} changed again while a newer version is on its way: kept in ${copy.path}`,
    )
    await this.materializer.applyCopies([{ from: entry.path, to: copy.path, sha256, loserUuid: copy.uuid }])
    return true
  }

  /**
   * The conflict copy this peer made of the file at `path` when it lost to the peer's version of
   * record `uuid` (its `conflict_source`), as it made it: beside `path`, last written by this
   * peer, holding the content last seen at `path`, here and in its record. A copy the person or
   * a peer has changed since is theirs, and is left alone, as is one the same batch (`changing`)
   * finds changed: its own job records the person's change there, which a save copied over it
   * would destroy.
   */
  private async lostCopyOf(
    path: SharePath,
    uuid: string,
    changing: ReadonlySet<string>,
  ): Promise<{ path: SharePath; uuid: string } | undefined> {
    const lost = this.state.get(path)?.sha256
    if (!lost) return undefined
    for (const candidate of this.state.pathsWith(lost)) {
      if (candidate === path || changing.has(candidate) || parentPath(candidate) !== parentPath(path))
        continue
      const record = await this.o.database.get(candidate)
      const value = record && fileValueOf(record)
      if (
        value?.kind === 'file' &&
        value.conflictSource === uuid &&
        value.sha256 === lost &&
        record!.lastUpdatedBy === this.o.database.peerId
      )
        return { path: candidate, uuid: record!.uuid }
    }
    return undefined
  }

  /**
   * Makes `change` with the local index already holding `entry` at its path, on record `uuid`: a
   * copy taken from that path, by this change or another of the scan, must find the file there.
   */
  private async changeFrom(
    entry: ScannedEntry,
    sha256: string,
    uuid: string,
    change: LocalChange,
  ): Promise<DatabaseRecord | undefined> {
    const known = this.state.get(entry.path)
    this.state.set(entry.path, localEntry(entry, sha256, uuid))
    return this.o.database.change(change).catch((err: unknown) => {
      if (known) this.state.set(entry.path, known)
      else this.state.delete(entry.path)
      throw err
    })
  }

  private async awaitingPeer(path: SharePath, sha256?: string | null): Promise<boolean> {
    return (await this.unseenHolder(path, sha256)) !== undefined
  }

  /**
   * The record at `path` when it holds a peer's file this folder has not caught up with: one
   * that replaced the version placed here (an edit, move or deletion of that would supersede a
   * version it never saw), or one never placed here that is not the content `sha256` put at its
   * path here (the very content the path wants is that path's file, not a conflict).
   */
  private async unseenHolder(path: SharePath, sha256?: string | null): Promise<DatabaseRecord | undefined> {
    const known = this.state.get(path)
    if (known !== undefined && (known.kind !== 'file' || known.uuid === undefined)) return undefined
    const holder = await this.o.database.get(path)
    const value = holder && fileValueOf(holder)
    if (value?.kind !== 'file') return undefined
    if (known === undefined) return value.sha256 !== sha256 ? holder : undefined
    return holder!.uuid === known.uuid && value.sha256 !== known.sha256 ? holder : undefined
  }

  /**
   * The record value for a scanned entry, keeping fields other peers set on the old value: the
   * one at `from` for a move, which keeps its record.
   */
  private async valueFor(entry: ScannedEntry, from: SharePath = entry.path): Promise<FileValue> {
    const previous = this.state.get(from) ? await this.o.database.get(from) : undefined
    const old = previous && fileValueOf(previous)
    // "If an implementation does not support them, values that were originally set by other
    // peers should not be erased" (directory.md): a platform without modes keeps the old one.
    const unixMode = entry.mode === undefined ? old?.unixMode : entry.mode & 0o7777
    const common = {
      mtime: entry.mtimeNs,
      extra: old?.extra ?? {},
      ...(unixMode === undefined ? {} : { unixMode }),
    }
    if (entry.kind === 'directory' || entry.sha256 === null) return { kind: 'directory', ...common }
    return { kind: 'file', size: BigInt(entry.size), sha256: entry.sha256, ...common }
  }
}

/** Runs tasks with at most `limit` under way; one failing does not stop the others. */
async function runLimited(
  tasks: ReadonlyArray<() => Promise<void>>,
  limit: number,
  failed: (err: Error) => void,
): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < tasks.length) await tasks[next++]!().catch((err: unknown) => failed(err as Error))
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker))
}

async function collect(payload: AsyncIterable<Uint8Array> | null, maxBytes: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  let total = 0
  for await (const chunk of payload ?? []) {
    total += chunk.byteLength
    if (total > maxBytes) throw new Error(`attachment larger than ${maxBytes} bytes`)
    parts.push(chunk.slice())
  }
  return concatBytes(parts)
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes
}
