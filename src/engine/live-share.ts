/**
 * A share while the engine runs: its storage opened, its database and directory extension
 * composed, its links, and the scans that keep the database in step with the folder (debounced
 * change notifications, and full rescans spaced to cost under 10% of the time).
 */
import {
  importPrivateKeyPem,
  importPublicKeyPem,
  publicKeyFromPrivate,
  type RandomSource,
} from '../protocol/access'
import type { KeyEntry } from '../protocol/core/messages'
import { Database } from '../protocol/database/database'
import type { DatabaseRecord } from '../protocol/database/record'
import type { RecordStore } from '../protocol/database/record-store'
import { rsaSigner, rsaVerifier } from '../protocol/database/rsa-signer'
import { ConflictCopies } from '../protocol/directory/conflict-copies'
import { DirectoryShare, type DirectoryProgress } from '../protocol/directory/directory-share'
import type { Throttle } from '../protocol/directory/fetcher'
import type { FileStore } from '../protocol/directory/file-store'
import { IgnoreRules, Selection } from '../protocol/directory/ignore'
import { parseSharePath } from '../protocol/directory/share-path'
import type { HasherFactory } from '../protocol/directory/hasher'
import type { LocalIndex } from '../protocol/directory/local-index'
import { Debouncer, RescanScheduler } from '../protocol/directory/scan-timing'
import { encodeBody, type WireBody } from '../protocol/wire'
import type { JsonObject } from '../protocol/wire/json-value'
import { ShareConnections } from './share'
import type { ShareOptions, StoredShare } from './stored'

/** Where one share's records, local index and files live; the platform opens it. */
export interface ShareStorage {
  readonly records: RecordStore
  readonly index: LocalIndex
  readonly files: FileStore
  close(): Promise<void>
}

export interface SharePlatform {
  openShareStorage(storageId: string, location: string): Promise<ShareStorage>
  readonly createHasher: HasherFactory
  readonly randomBytes: RandomSource
  readonly now: () => number
}

/** The engine's upload and download limits, shared by every share. */
export interface RateLimits {
  readonly upload?: Throttle
  readonly download?: Throttle
}

/** What a share's options select (ignore.ts); a path that is not a share path is an error. */
export function selectionFor(options: ShareOptions): Selection {
  return new Selection({
    ...(options.subtree ? { subtree: parseSharePath(options.subtree) } : {}),
    ignore: new IgnoreRules(options.ignore ?? []),
    excluded: (options.excluded ?? []).map(parseSharePath),
  })
}

/** A share's own state; 'paused' is the engine's (pause is for every share), which the UIs show over it. */
export type ShareState = 'scanning' | 'syncing' | 'synced' | 'paused' | 'error'

export interface ShareStatus {
  readonly location: string
  readonly accessLevel: StoredShare['accessLevel']
  readonly state: ShareState
  readonly error?: string
  readonly peers: number
  readonly progress: DirectoryProgress
}

export class LiveShare {
  readonly connections: ShareConnections
  private readonly debouncer = new Debouncer()
  private readonly rescans: RescanScheduler
  private timer: ReturnType<typeof setTimeout> | undefined
  private scanning: Promise<void> | undefined
  private lastError: string | undefined
  private closed = false

  private constructor(
    public stored: StoredShare,
    readonly database: Database,
    readonly directory: DirectoryShare,
    private readonly storage: ShareStorage,
    private readonly platform: SharePlatform,
    private readonly log: (message: string) => void,
    changed: () => void,
  ) {
    this.connections = new ShareConnections({ database, directory, log, changed })
    this.rescans = new RescanScheduler(platform.now())
  }

  static async open(
    stored: StoredShare,
    platform: SharePlatform,
    log: (message: string) => void,
    changed: () => void,
    limits: RateLimits = {},
  ): Promise<LiveShare> {
    const storage = await platform.openShareStorage(stored.storageId, stored.location)
    try {
      return await LiveShare.openOn(storage, stored, platform, log, changed, limits)
    } catch (err) {
      // A share that cannot open lets go of its storage: its databases stay held otherwise.
      await storage.close().catch(() => undefined)
      throw err
    }
  }

  private static async openOn(
    storage: ShareStorage,
    stored: StoredShare,
    platform: SharePlatform,
    log: (message: string) => void,
    changed: () => void,
    limits: RateLimits,
  ): Promise<LiveShare> {
    const readWrite = stored.keys.find((k) => k.accessLevel === 'read_write')
    const privateKey = readWrite?.privateRsa ? await importPrivateKeyPem(readWrite.privateRsa) : undefined
    const publicKey = readWrite?.publicRsa
      ? await importPublicKeyPem(readWrite.publicRsa)
      : privateKey && (await publicKeyFromPrivate(privateKey))
    if (!publicKey)
      throw new Error(`share ${stored.location} has no read-write public key to check updates with`)
    const conflicts = new ConflictCopies(stored.peerId, platform.randomBytes)
    const database = await Database.open({
      store: storage.records,
      peerId: stored.peerId,
      access: stored.accessLevel,
      verifier: rsaVerifier(publicKey),
      ...(privateKey ? { signer: rsaSigner(privateKey) } : {}),
      encodeBody: (body: JsonObject) => encodeBody(body as WireBody),
      resolver: conflicts.resolver,
      log: (level, message) => level === 'warn' && log(message),
    })
    const directory = await DirectoryShare.open({
      database,
      records: () => storage.records.changedSince(new Map(), 1_000),
      store: storage.files,
      index: storage.index,
      createHasher: platform.createHasher,
      access: stored.accessLevel,
      conflicts,
      selection: selectionFor(stored.options ?? {}),
      archive: stored.options?.archive ?? false,
      ...limits,
      randomBytes: platform.randomBytes,
      now: platform.now,
      log: (level, message) => level !== 'debug' && log(message),
      changed,
    })
    const share = new LiveShare(stored, database, directory, storage, platform, log, changed)
    share.schedule(platform.now())
    return share
  }

  /** Every record of the share, live or deleted, in pages. */
  records(pageSize = 500): AsyncIterable<DatabaseRecord[]> {
    return this.storage.records.changedSince(new Map(), pageSize)
  }

  /** The key this device uses with peers of `level`, if it holds it. */
  key(level: KeyEntry['accessLevel']): KeyEntry | undefined {
    return this.stored.keys.find((k) => k.accessLevel === level && k.id && k.key)
  }

  status(): ShareStatus {
    const progress = this.directory.progress()
    let state: ShareState = 'synced'
    if (this.lastError) state = 'error'
    else if (progress.scanning) state = 'scanning'
    else if (progress.filesRemaining > 0) state = 'syncing'
    return {
      location: this.stored.location,
      accessLevel: this.stored.accessLevel,
      state,
      ...(this.lastError ? { error: this.lastError } : {}),
      peers: this.connections.links.size,
      progress,
    }
  }

  /** A change notification from the platform's watcher: scan soon, once things are quiet. */
  noteChange(path = '/'): void {
    this.debouncer.touch(path, this.platform.now())
    this.schedule(this.platform.now())
  }

  /** Scans now (or waits for the scan under way) and records what changed. */
  scan(): Promise<void> {
    this.scanning ??= (async () => {
      const now = this.platform.now()
      this.rescans.started(now)
      try {
        await this.directory.scan()
        this.lastError = undefined
      } catch (err) {
        // A missing or emptied root is an error state, never a mass deletion (rainy_day.md).
        this.lastError = (err as Error).message
        this.log(`scan failed: ${this.lastError}`)
      } finally {
        this.rescans.finished(this.platform.now())
        this.scanning = undefined
        this.schedule(this.platform.now())
      }
    })()
    return this.scanning
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.connections.closeAll('share closed')
    await this.scanning
    await this.directory.close()
    await this.storage.close()
  }

  private schedule(now: number): void {
    if (this.closed) return
    if (this.timer !== undefined) clearTimeout(this.timer)
    const next = Math.min(this.rescans.nextScanAt, this.debouncer.nextDueAt() ?? Infinity)
    this.timer = setTimeout(
      () => {
        this.timer = undefined
        // A scan under way may have listed the folder before these changes: they stay due, and
        // its end schedules the next scan.
        if (this.scanning) return
        const at = this.platform.now()
        const due = this.debouncer.due(at)
        void (at >= this.rescans.nextScanAt ? this.scan() : this.scanIfChanged(due))
      },
      Math.max(0, next - now),
    )
  }

  /**
   * Scans if a noted path differs from what the share last saw there. Most notifications during a
   * sync are of the engine's own writes: 3,000 files fetched into a watched folder made 77 scans of
   * the whole folder, and took 40% longer, before this check.
   */
  private async scanIfChanged(paths: readonly string[]): Promise<void> {
    for (const path of paths) if (await this.directory.changedOnDisk(path)) return this.scan()
    this.schedule(this.platform.now())
  }
}
