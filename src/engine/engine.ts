/**
 * The ClearSkies peer: every share on this device, the access codes it made, the codes it is
 * joining with, and the connections to other peers. The daemon and the browser worker each host
 * one, with their own platform; both drive it through the control vocabulary (`control.ts`).
 *
 * Connections: whoever dials is the TLS client (core.md, "Connection"). The SRP username names
 * what the connection is for: a share's key ID (a member), an access code we made (a newcomer:
 * we send the keys), or an access code we are joining with (its creator dialled us: we receive
 * the keys). Discovery (tracker, LAN, manual addresses, signaling) lives outside: it reads
 * `registrations()` and calls `connect()`.
 */
import {
  accessCodeCredentials,
  cancelGrant,
  extendGrant,
  generateAccessCode,
  generateAccessLevelKeys,
  generatePeerId,
  grantStatus,
  newGrant,
  parseAccessCode,
  recordUse,
  SRP_USERNAME_PREFIX,
  toHex,
  type AccessCodeGrant,
} from '../protocol/access'
import type { AccessLevel, KeyEntry, Keys } from '../protocol/core/messages'
import type { ByteStream } from '../protocol/stream/byte-stream'
import { Serial } from '../protocol/stream/serial'
import type { ZlibCodec } from '../protocol/wire/zlib-codec'
import {
  acceptTls,
  connectTls,
  type RecordCrypto,
  type RecordLayerOptions,
  TlsAlertReceivedError,
  type TlsRateLimiter,
} from '../protocol/tls'
import type { KeyValueStore } from './kv-store'
import { PeerLink, type LinkHandler, type LinkSender } from './link'
import { keysFor } from './keys-for'
import { LiveShare, selectionFor, type SharePlatform, type ShareStatus } from './live-share'
import {
  existingOverlap,
  overlapMessage,
  overlapOf,
  placeShares,
  type ExistingOverlap,
  type PlacedShare,
} from './share-overlap'
import { TokenBucket } from './token-bucket'
import { adaptiveZlib } from './adaptive-zlib'
import type { Defer } from './coalescing-stream'
import {
  grantFromJson,
  grantToJson,
  joinFromJson,
  joinToJson,
  shareFromJson,
  shareToJson,
  GRANT_PREFIX,
  JOIN_PREFIX,
  SHARE_PREFIX,
  type ShareOptions,
  type StoredGrant,
  type StoredJoin,
  type StoredShare,
} from './stored'

export const SOFTWARE = 'clearskies-browser-peer 0.1'
/** A directory share cannot work without these (DESIGN.md). */
const REQUIRED_EXTENSIONS = ['database', 'directory'] as const
const SECRET_KEY = 'secret'
/** How often manually entered addresses are retried while not connected. */
const RECONNECT_INTERVAL_MS = 30_000

export interface EnginePlatform extends SharePlatform {
  readonly kv: KeyValueStore
  /** Opens a byte stream to a peer address (`tcp:host:port`, or another transport's form). */
  dial(address: string): Promise<ByteStream>
  /** zlib for the gzip extension (gzip.md): offered to peers only when present. */
  readonly zlib?: ZlibCodec
  /**
   * Whether this platform's links can run much faster than its deflate (TCP on a LAN or loopback),
   * so that the gzip extension tries sending what compresses stored (adaptive-zlib.ts). A browser's
   * data channels do not (30-40 MB/s, about what CompressionStream deflates), and there trying
   * cost more than it ever won.
   */
  readonly linksMayOutrunDeflate?: boolean
  /** Runs a task once the current turn of the event loop is over (coalescing-stream.ts). */
  readonly defer?: Defer
  /** TLS record primitives faster than WebCrypto's, where the platform has them. */
  readonly recordCrypto?: RecordCrypto
  /**
   * The real path of the folder at `location` (`/`-separated, no `.`, `..` or symbolic links), where
   * locations are paths in one file system; the engine refuses a share inside another with it.
   */
  readonly realLocation?: (location: string) => Promise<string>
}

export interface EngineOptions {
  readonly software?: string
  /** This device's human-friendly name, sent in the greeting. */
  readonly name?: string
  readonly rateLimiter?: TlsRateLimiter
  readonly log?: (message: string) => void
  /** Bytes per second of file data, over every share; 0 or absent: no limit (config `upload_limit`, `download_limit`). */
  readonly uploadLimit?: number
  readonly downloadLimit?: number
}

export type EngineEvent = { readonly type: 'changed' } | { readonly type: 'registrations' }

export class EngineError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** What a connection authenticated as. */
type Context =
  | {
      readonly kind: 'member'
      readonly share: LiveShare
      readonly level: AccessLevel
      readonly password: string
    }
  | {
      readonly kind: 'grant'
      readonly share: LiveShare
      readonly grant: StoredGrant
      readonly password: string
    }
  | { readonly kind: 'join'; readonly join: StoredJoin; readonly password: string }

/** Why the last dial for a pending join failed: a front end tells "refused" from "unreachable". */
export interface JoinFailure {
  readonly address: string
  readonly reason: string
  /** The TLS alert the code's creator answered with: SRP refused the code (used, expired, wrong), or rate limiting. */
  readonly alert?: number
}

export interface CreatedCode {
  readonly code: string
  readonly accessId: string
  readonly grant: AccessCodeGrant
}

export class Engine {
  private readonly shares = new Map<string, LiveShare>()
  private readonly grants = new Map<string, StoredGrant>()
  private readonly joins = new Map<string, StoredJoin>()
  private readonly joinFailures = new Map<string, JoinFailure>()
  /**
   * The share additions under way, one after another: the overlap check and the registration of
   * the share are separated by awaits, so two overlapping additions at once would both pass.
   */
  private readonly additions = new Serial()
  /**
   * Set by `close`. An addition or a join under way then may still open its share: that share is
   * closed at once (nothing else would, and its timers and stores would run on), and the addition
   * refused, as is any later one.
   */
  private closed = false
  /** Shares (or pending joins) that already overlapped at start-up, stored before the check existed. */
  private startupOverlaps: readonly ExistingOverlap[] = []
  private readonly listeners = new Set<(event: EngineEvent) => void>()
  /** Dials under way, by `id address`, so discovery repeating itself does not dial twice. */
  private readonly dialing = new Set<string>()
  private readonly live = new Set<PeerLink>()
  /** Where each open link runs (`webrtc:…`, `tcp:…`), by link id: the interface says how a peer is connected. */
  private readonly places = new Map<string, string>()
  private paused = false
  private nextLinkId = 1
  private reconnectTimer: ReturnType<typeof setInterval> | undefined
  private readonly log: (message: string) => void
  private readonly upload: TokenBucket
  private readonly download: TokenBucket

  private constructor(
    private readonly platform: EnginePlatform,
    private readonly options: EngineOptions,
    private readonly secret: Uint8Array,
  ) {
    this.log = options.log ?? (() => {})
    this.upload = new TokenBucket(platform.now, options.uploadLimit ?? 0)
    this.download = new TokenBucket(platform.now, options.downloadLimit ?? 0)
  }

  /** The upload and download limits in bytes per second (0: none); they apply at once. */
  setRateLimits(limits: { readonly upload?: number; readonly download?: number }): void {
    if (limits.upload !== undefined) this.upload.setRate(limits.upload)
    if (limits.download !== undefined) this.download.setRate(limits.download)
  }

  get rateLimits(): { readonly upload: number; readonly download: number } {
    return { upload: this.upload.rate, download: this.download.rate }
  }

  static async open(platform: EnginePlatform, options: EngineOptions = {}): Promise<Engine> {
    const stored = await platform.kv.get(SECRET_KEY)
    let secret = typeof stored === 'string' && /^[0-9a-f]{64}$/.test(stored) ? stored : undefined
    if (!secret) {
      secret = toHex(platform.randomBytes(32))
      await platform.kv.set(SECRET_KEY, secret)
    }
    const engine = new Engine(
      platform,
      options,
      Uint8Array.from(secret.match(/../g)!.map((h) => parseInt(h, 16))),
    )
    for (const [key, value] of await platform.kv.list(GRANT_PREFIX))
      engine.load(key, () => engine.grants.set(grantFromJson(value).grant.accessId, grantFromJson(value)))
    for (const [key, value] of await platform.kv.list(JOIN_PREFIX))
      engine.load(key, () => engine.joins.set(joinFromJson(value).accessId, joinFromJson(value)))
    for (const [key, value] of await platform.kv.list(SHARE_PREFIX)) {
      try {
        await engine.openShare(shareFromJson(value))
      } catch (err) {
        engine.log(`cannot open ${key}: ${(err as Error).message}`)
      }
    }
    await engine.findStartupOverlaps()
    engine.reconnectTimer = setInterval(() => engine.dialKnownPeers(), RECONNECT_INTERVAL_MS)
    return engine
  }

  private load(key: string, add: () => void): void {
    try {
      add()
    } catch (err) {
      this.log(`ignored ${key}: ${(err as Error).message}`)
    }
  }

  on(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private emit(event: EngineEvent): void {
    for (const listener of this.listeners) listener(event)
  }

  // --- shares ------------------------------------------------------------------------------

  share(location: string): LiveShare {
    const share = this.shares.get(location)
    if (!share) throw new EngineError('ENOENT', `no share at ${location}`)
    return share
  }

  get shareList(): LiveShare[] {
    return [...this.shares.values()]
  }

  /** Creates a share of the folder (or browser storage) at `location`, with fresh keys. */
  createShare(location: string, options: ShareOptions = {}): Promise<LiveShare> {
    return this.addition(() => this.createShareNow(location, options))
  }

  /** Runs `task` once the share additions before it are done, unless the engine has closed. */
  private addition<T>(task: () => Promise<T>): Promise<T> {
    return this.additions.run(() => {
      this.checkOpen()
      return task()
    })
  }

  private async createShareNow(location: string, options: ShareOptions): Promise<LiveShare> {
    if (this.shares.has(location)) return this.share(location)
    checkOptions(options)
    await this.checkOverlap(location, 'create')
    const [readWrite, readOnly] = await Promise.all([
      generateAccessLevelKeys('read_write', this.platform.randomBytes),
      generateAccessLevelKeys('read_only', this.platform.randomBytes),
    ])
    const keys: KeyEntry[] = [readWrite, readOnly].map((k) => ({
      accessLevel: k.accessLevel as AccessLevel,
      id: k.keyId,
      key: k.key,
      privateRsa: k.privateRsa,
      publicRsa: k.publicRsa,
    }))
    const stored: StoredShare = {
      location,
      storageId: toHex(this.platform.randomBytes(16)),
      peerId: generatePeerId(this.platform.randomBytes),
      accessLevel: 'read_write',
      keys,
      peers: [],
      createdAtMs: this.platform.now(),
      options,
    }
    const share = await this.openShare(stored)
    await this.saveShare(stored)
    this.emit({ type: 'registrations' })
    return share
  }

  /**
   * Refuses a folder that is, holds or lies inside the folder of a share or pending join of this
   * device. `createShare` and `addShare` check; a host that makes the folder for a join checks first.
   */
  async checkOverlap(location: string, purpose: 'create' | 'join'): Promise<void> {
    const realLocation = this.platform.realLocation
    if (!realLocation) return
    const [real, placed] = await Promise.all([
      realLocation(location),
      placeShares(this.locations(), realLocation),
    ])
    for (const other of placed) {
      const overlap = overlapOf(real, other.real)
      if (!overlap) continue
      const subject = real === location ? `'${location}'` : `'${location}' (that is '${real}')`
      throw new EngineError('EEXIST', overlapMessage(subject, other.at, overlap, purpose))
    }
  }

  /**
   * Shares or pending joins that overlapped when the engine started (stored before shares were
   * checked) and are both still here: a front end shows their messages until one is removed.
   */
  get overlappingShares(): readonly ExistingOverlap[] {
    const here = new Set(this.locations())
    return this.startupOverlaps.filter((o) => here.has(o.outer) && here.has(o.inner))
  }

  private locations(): string[] {
    return [...this.shares.keys(), ...[...this.joins.values()].map((j) => j.location)]
  }

  /** Finds the overlaps stored before shares were checked; start-up goes on whatever it finds. */
  private async findStartupOverlaps(): Promise<void> {
    const realLocation = this.platform.realLocation
    if (!realLocation) return
    let placed: PlacedShare[]
    try {
      // Sorted, so the overlaps come in the same order at every start, whatever order storage lists.
      placed = await placeShares(this.locations().sort(), realLocation)
    } catch (err) {
      this.log(`cannot check shares for overlaps: ${(err as Error).message}`)
      return
    }
    const found: ExistingOverlap[] = []
    for (const [i, a] of placed.entries()) {
      for (const b of placed.slice(i + 1)) {
        const overlap = overlapOf(a.real, b.real)
        if (overlap) found.push(existingOverlap(a, b, overlap))
      }
    }
    this.startupOverlaps = found
    for (const o of found) this.log(`shares overlap: ${o.message}`)
  }

  private async openShare(stored: StoredShare): Promise<LiveShare> {
    const limits = { upload: this.upload, download: this.download }
    const share = await LiveShare.open(
      stored,
      this.platform,
      (m) => this.log(`[${stored.location}] ${m}`),
      () => this.emit({ type: 'changed' }),
      limits,
    )
    if (this.closed) {
      await share.close()
      this.checkOpen()
    }
    this.shares.set(stored.location, share)
    this.emit({ type: 'changed' })
    return share
  }

  private checkOpen(): void {
    if (this.closed) throw new EngineError('ECLOSED', 'ClearSkies has stopped here, so no share can be added')
  }

  private async saveShare(stored: StoredShare): Promise<void> {
    await this.platform.kv.set(SHARE_PREFIX + stored.storageId, shareToJson(stored))
  }

  async removeShare(location: string): Promise<void> {
    const join = [...this.joins.values()].find((j) => j.location === location)
    if (join) {
      this.joins.delete(join.accessId)
      this.joinFailures.delete(join.accessId)
      await this.platform.kv.delete(JOIN_PREFIX + join.accessId)
    }
    const share = this.shares.get(location)
    if (share) {
      this.shares.delete(location)
      await share.close()
      await this.platform.kv.delete(SHARE_PREFIX + share.stored.storageId)
      for (const [accessId, grant] of this.grants) {
        if (grant.location !== location) continue
        this.grants.delete(accessId)
        await this.platform.kv.delete(GRANT_PREFIX + accessId)
      }
    }
    if (!share && !join) throw new EngineError('ENOENT', `no share at ${location}`)
    this.emit({ type: 'registrations' })
    this.emit({ type: 'changed' })
  }

  /**
   * Changes how this device syncs a share (ignore patterns, subtree, partial copy, archive): the
   * share closes and opens again with them, and its links reconnect.
   */
  async setShareOptions(location: string, options: ShareOptions): Promise<LiveShare> {
    checkOptions(options)
    const share = this.share(location)
    const stored: StoredShare = { ...share.stored, options }
    await this.saveShare(stored)
    this.shares.delete(location)
    await share.close()
    const reopened = await this.openShare(stored)
    this.dialKnownPeers()
    return reopened
  }

  shareStatus(location: string): ShareStatus {
    return this.share(location).status()
  }

  /** Shares being joined: the code was entered, the keys have not arrived yet. */
  get pendingJoins(): readonly StoredJoin[] {
    return [...this.joins.values()]
  }

  /** Why the pending join of `accessId` has not completed yet, if a dial for it failed. */
  joinFailure(accessId: string): JoinFailure | undefined {
    return this.joinFailures.get(accessId)
  }

  // --- access codes ------------------------------------------------------------------------

  /** A fresh one-time code for `location` at `level`; `multiUse` makes it reusable until `expiresAtMs`. */
  async createAccessCode(
    location: string,
    level: AccessLevel,
    options: { multiUse?: boolean; expiresAtMs?: number | null } = {},
  ): Promise<CreatedCode> {
    const share = this.share(location)
    if (!share.key(level))
      throw new EngineError(
        'EPERM',
        `this device cannot grant ${level} access to ${location}: it holds ${share.stored.accessLevel} access`,
      )
    const code = generateAccessCode(this.platform.randomBytes)
    const credentials = await accessCodeCredentials(code)
    const now = this.platform.now()
    let grant = newGrant(credentials.accessId, level, now)
    if (options.multiUse)
      grant = extendGrant(grant, now, options.expiresAtMs === undefined ? undefined : options.expiresAtMs)
    const stored: StoredGrant = { grant, location, srpPassword: credentials.srpPassword, code: code.text }
    await this.saveGrant(stored)
    this.emit({ type: 'registrations' })
    return { code: code.text, accessId: credentials.accessId, grant }
  }

  private async saveGrant(stored: StoredGrant): Promise<void> {
    this.grants.set(stored.grant.accessId, stored)
    await this.platform.kv.set(GRANT_PREFIX + stored.grant.accessId, grantToJson(stored))
  }

  private async grantFor(codeText: string): Promise<StoredGrant> {
    const credentials = await accessCodeCredentials(parseAccessCode(codeText))
    const stored = this.grants.get(credentials.accessId)
    if (!stored) throw new EngineError('ENOENT', 'this device did not make that access code')
    return stored
  }

  async cancelAccessCode(codeText: string): Promise<AccessCodeGrant> {
    const stored = await this.grantFor(codeText)
    const grant = cancelGrant(stored.grant, this.platform.now())
    await this.saveGrant({ ...stored, grant })
    this.emit({ type: 'registrations' })
    return grant
  }

  async extendAccessCode(codeText: string, expiresAtMs?: number | null): Promise<AccessCodeGrant> {
    const stored = await this.grantFor(codeText)
    const grant = extendGrant(stored.grant, this.platform.now(), expiresAtMs)
    await this.saveGrant({ ...stored, grant })
    this.emit({ type: 'registrations' })
    return grant
  }

  get accessCodes(): readonly StoredGrant[] {
    return [...this.grants.values()]
  }

  /** Joins the share an access code was made for; its files will go to `location`. */
  addShare(
    codeText: string,
    location: string,
    peers: readonly string[] = [],
    options: ShareOptions = {},
  ): Promise<StoredJoin> {
    return this.addition(() => this.addShareNow(codeText, location, peers, options))
  }

  private async addShareNow(
    codeText: string,
    location: string,
    peers: readonly string[],
    options: ShareOptions,
  ): Promise<StoredJoin> {
    checkOptions(options)
    if (this.shares.has(location) || [...this.joins.values()].some((j) => j.location === location)) {
      throw new EngineError('EEXIST', `${location} already holds a share`)
    }
    await this.checkOverlap(location, 'join')
    const credentials = await accessCodeCredentials(parseAccessCode(codeText))
    if (this.grants.has(credentials.accessId))
      throw new EngineError('EINVAL', 'that access code was made on this device: give it to another device')
    // Joins are kept by the code's access ID: a second one would replace the first, whose folder
    // would then wait forever for a share that never comes.
    const pending = this.joins.get(credentials.accessId)
    if (pending)
      throw new EngineError(
        'EEXIST',
        `that access code is already being joined at '${pending.location}'; remove that share first to join it elsewhere`,
      )
    const join: StoredJoin = {
      accessId: credentials.accessId,
      srpPassword: credentials.srpPassword,
      location,
      storageId: toHex(this.platform.randomBytes(16)),
      peerId: generatePeerId(this.platform.randomBytes),
      createdAtMs: this.platform.now(),
      peers,
      options,
    }
    // Stored first: a join that could not be saved must not be kept (and dialled for) in memory
    // while the caller, told it failed, removes the folder made for it.
    await this.platform.kv.set(JOIN_PREFIX + join.accessId, joinToJson(join))
    this.joins.set(join.accessId, join)
    this.emit({ type: 'registrations' })
    this.emit({ type: 'changed' })
    for (const address of peers) void this.connect(join.accessId, address)
    return join
  }

  async addPeerAddress(location: string, address: string): Promise<void> {
    const share = this.share(location)
    if (!share.stored.peers.includes(address)) {
      share.stored = { ...share.stored, peers: [...share.stored.peers, address] }
      await this.saveShare(share.stored)
    }
    const level = share.stored.accessLevel
    const key = share.key(level)
    if (key?.id) void this.connect(key.id, address)
  }

  // --- pause -------------------------------------------------------------------------------

  get isPaused(): boolean {
    return this.paused
  }

  /** Stops syncing: every connection closes and none is made until `resume`. */
  pause(): void {
    this.paused = true
    for (const link of this.live) link.close('paused')
    this.emit({ type: 'changed' })
  }

  resume(): void {
    this.paused = false
    this.emit({ type: 'changed' })
    this.dialKnownPeers()
  }

  // --- discovery ---------------------------------------------------------------------------

  /**
   * The IDs to announce (core.md, "tracker.register": "the key is the ID (either the access ID or
   * the key ID) and the value is the peer ID"): each key ID held, each active code made here,
   * each code being joined with.
   */
  registrations(): Map<string, string> {
    const ids = new Map<string, string>()
    const now = this.platform.now()
    for (const share of this.shares.values()) {
      for (const key of share.stored.keys) if (key.id && key.key) ids.set(key.id, share.stored.peerId)
    }
    for (const { grant, location } of this.grants.values()) {
      const share = this.shares.get(location)
      if (share && grantStatus(grant, now) === 'active') ids.set(grant.accessId, share.stored.peerId)
    }
    for (const join of this.joins.values()) ids.set(join.accessId, join.peerId)
    return ids
  }

  /** Our own peer ID under a registered ID: discovery uses it to skip ourselves. */
  peerIdFor(id: string): string | undefined {
    return this.registrations().get(id)
  }

  /** Whether a link to `peerId` is already open for the share registered under `id`. */
  isConnected(id: string, peerId: string): boolean {
    const context = this.resolve(id)
    return context !== undefined && context.kind !== 'join' && context.share.connections.hasPeer(peerId)
  }

  // --- connections -------------------------------------------------------------------------

  /** Dials `address` for the share or code registered as `id`; resolves when the connection ends. */
  async connect(id: string, address: string, remotePeerId?: string): Promise<string> {
    if (!this.wantsConnection(id, remotePeerId)) return 'nothing to connect for, or already connected'
    const dialKey = `${id} ${address}`
    if (this.dialing.has(dialKey)) return 'already dialing'
    this.dialing.add(dialKey)
    try {
      return await this.connectOver(id, await this.platform.dial(address), address)
    } catch (err) {
      const reason = (err as Error).message
      this.log(`connecting to ${address} failed: ${reason}`)
      if (this.joins.has(id)) this.joinFailures.set(id, { address, reason })
      return reason
    } finally {
      this.dialing.delete(dialKey)
    }
  }

  /** The address or transport an open link runs over (what `connect`, `connectOver` or `accept` was given). */
  linkPlace(linkId: string): string | undefined {
    return this.places.get(linkId)
  }

  /** Whether dialling a peer for `id` would be useful now: something to connect for, not paused, not ourselves, not linked already. */
  wantsConnection(id: string, remotePeerId?: string): boolean {
    if (!this.resolve(id) || this.paused) return false
    return (
      remotePeerId === undefined ||
      (remotePeerId !== this.peerIdFor(id) && !this.isConnected(id, remotePeerId))
    )
  }

  /**
   * Runs the TLS client side over a stream the caller opened (a WebRTC data channel the page set
   * up, say) for the share or code registered as `id`; resolves when the connection ends.
   */
  async connectOver(id: string, raw: ByteStream, where: string): Promise<string> {
    const context = this.resolve(id)
    if (!context) {
      raw.close(new Error('nothing to connect for'))
      return 'nothing to connect for'
    }
    try {
      const session = await connectTls(raw, {
        username: SRP_USERNAME_PREFIX + id,
        password: context.password,
        ...this.recordLayer(),
      })
      return await this.runLink(session.stream, context, 'client', where)
    } catch (err) {
      const reason = (err as Error).message
      this.log(`connection to ${where} failed: ${reason}`)
      if (context.kind === 'join')
        this.joinFailures.set(id, {
          address: where,
          reason,
          ...(err instanceof TlsAlertReceivedError ? { alert: err.description } : {}),
        })
      return reason
    }
  }

  private recordLayer(): RecordLayerOptions {
    return this.platform.recordCrypto ? { recordCrypto: this.platform.recordCrypto } : {}
  }

  /** Serves one incoming connection (the TLS server side); resolves when it ends. */
  async accept(raw: ByteStream, source: string): Promise<string> {
    if (this.paused) {
      raw.close(new Error('paused'))
      return 'paused'
    }
    let context: Context | undefined
    try {
      const session = await acceptTls(raw, {
        secret: this.secret,
        source,
        ...this.recordLayer(),
        ...(this.options.rateLimiter ? { rateLimiter: this.options.rateLimiter } : {}),
        lookup: async (username) => {
          context = username.startsWith(SRP_USERNAME_PREFIX)
            ? this.resolve(username.slice(SRP_USERNAME_PREFIX.length))
            : undefined
          return context ? { password: context.password } : null
        },
      })
      if (!context) throw new Error('authenticated without a context')
      return await this.runLink(session.stream, context, 'server', source)
    } catch (err) {
      const reason = (err as Error).message
      this.log(`connection from ${source} refused: ${reason}`)
      return reason
    }
  }

  /** What a registered ID stands for on this device, with its SRP password. */
  private resolve(id: string): Context | undefined {
    for (const share of this.shares.values()) {
      for (const key of share.stored.keys)
        if (key.id === id && key.key)
          return { kind: 'member', share, level: key.accessLevel, password: key.key }
    }
    const grant = this.grants.get(id)
    const granting = grant && this.shares.get(grant.location)
    if (grant && granting && grantStatus(grant.grant, this.platform.now()) === 'active') {
      return { kind: 'grant', share: granting, grant, password: grant.srpPassword }
    }
    const join = this.joins.get(id)
    return join ? { kind: 'join', join, password: join.srpPassword } : undefined
  }

  private runLink(
    stream: ByteStream,
    context: Context,
    role: 'client' | 'server',
    where: string,
  ): Promise<string> {
    // A pause that came while TLS was being set up found no link to close.
    if (this.paused) {
      stream.close(new Error('paused'))
      return Promise.resolve('paused')
    }
    const id = `${role === 'client' ? 'out' : 'in'}-${this.nextLinkId++}`
    const peerId = context.kind === 'join' ? context.join.peerId : context.share.stored.peerId
    let share: LiveShare | undefined = context.kind === 'join' ? undefined : context.share
    let access: AccessLevel =
      context.kind === 'member'
        ? context.level
        : context.kind === 'grant'
          ? (context.grant.grant.accessLevel as AccessLevel)
          : 'read_only'
    const link = new PeerLink({
      id,
      stream,
      access: () => access,
      session: {
        role,
        software: this.options.software ?? SOFTWARE,
        ...(this.options.name ? { name: this.options.name } : {}),
        peerId,
        extensions: this.platform.zlib ? [...REQUIRED_EXTENSIONS, 'gzip'] : REQUIRED_EXTENSIONS,
        requiredExtensions: REQUIRED_EXTENSIONS,
        keyExchange: context.kind === 'grant' ? 'send' : context.kind === 'join' ? 'receive' : 'none',
        ...(context.kind === 'grant'
          ? {
              keysToSend: () =>
                keysFor(context.share.stored.keys, context.grant.grant.accessLevel as AccessLevel),
            }
          : {}),
      },
      storeKeys: async (keys) => {
        if (context.kind !== 'join') throw new Error('keys arrived on a connection that did not ask for them')
        share = await this.completeJoin(context.join, keys)
        access = keys.accessLevel
      },
      keysAcknowledged: () => {
        if (context.kind === 'grant') void this.useGrant(context.grant)
      },
      open: (sender: LinkSender): LinkHandler => {
        if (!share) throw new Error('the connection opened before its share exists')
        return share.connections.attach(sender)
      },
      log: (m) => this.log(`[${id} ${where}] ${m}`),
      now: this.platform.now,
      ...(this.platform.zlib
        ? {
            zlib: adaptiveZlib(this.platform.zlib, {
              tryStored: this.platform.linksMayOutrunDeflate === true,
            }),
          }
        : {}),
      ...(this.platform.defer ? { defer: this.platform.defer } : {}),
    })
    this.live.add(link)
    this.places.set(id, where)
    return link.run().finally(() => {
      this.live.delete(link)
      this.places.delete(id)
    })
  }

  private async useGrant(stored: StoredGrant): Promise<void> {
    const current = this.grants.get(stored.grant.accessId) ?? stored
    await this.saveGrant({ ...current, grant: recordUse(current.grant, this.platform.now()) })
    this.emit({ type: 'registrations' })
    this.emit({ type: 'changed' })
  }

  /** The code's creator sent the keys: the pending join becomes a share. */
  private async completeJoin(join: StoredJoin, keys: Keys): Promise<LiveShare> {
    const stored: StoredShare = {
      location: join.location,
      storageId: join.storageId,
      peerId: join.peerId,
      accessLevel: keys.accessLevel,
      keys: keys.keys,
      peers: join.peers,
      createdAtMs: this.platform.now(),
      ...(join.options ? { options: join.options } : {}),
    }
    await this.saveShare(stored)
    this.joins.delete(join.accessId)
    this.joinFailures.delete(join.accessId)
    await this.platform.kv.delete(JOIN_PREFIX + join.accessId)
    const share = await this.openShare(stored)
    this.emit({ type: 'registrations' })
    return share
  }

  /** Retries manually entered addresses of shares and joins that have no connection. */
  private dialKnownPeers(): void {
    if (this.paused) return
    for (const share of this.shares.values()) {
      const key = share.key(share.stored.accessLevel)
      if (!key?.id || share.connections.links.size > 0) continue
      for (const address of share.stored.peers) void this.connect(key.id, address)
    }
    for (const join of this.joins.values())
      for (const address of join.peers) void this.connect(join.accessId, address)
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.reconnectTimer !== undefined) clearInterval(this.reconnectTimer)
    for (const link of this.live) link.close('shutting down')
    // One share failing to close (its storage lost under it) must not leave the others' timers running.
    const closed = await Promise.allSettled([...this.shares.values()].map((share) => share.close()))
    this.shares.clear()
    for (const result of closed) if (result.status === 'rejected') throw result.reason
  }
}

/** Share options are checked before anything is stored: a bad path must not stop the share opening later. */
function checkOptions(options: ShareOptions): void {
  try {
    selectionFor(options)
  } catch (err) {
    throw new EngineError('EINVAL', `share options: ${(err as Error).message}`)
  }
}
