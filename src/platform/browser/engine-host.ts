/**
 * What the engine worker exposes to the page (through comlink): the engine's commands in the
 * control vocabulary's terms, a stream of snapshots for the interface, and the two ways a WebRTC
 * data channel set up by the page becomes a peer connection (as TLS client or server).
 *
 * Everything crossing to the page is structured-clone data (or a File / MessagePort), never an
 * engine object.
 */
import { restorePause, setPaused } from '../../engine/control'
import { Engine, EngineError } from '../../engine/engine'
import type { KeyValueStore } from '../../engine/kv-store'
import type { ShareStatus } from '../../engine/live-share'
import { overlapMessage, type Overlap } from '../../engine/share-overlap'
import { type ShareWatchers, watchShares } from '../../engine/share-watchers'
import type { ShareOptions } from '../../engine/stored'
import { accessCodeLink, grantStatus, parseAccessCode, type AccessCodeGrant } from '../../protocol/access'
import type { AccessLevel } from '../../protocol/core/messages'
import { isConflictName } from '../../protocol/directory/conflict-name'
import { archivedOriginal } from '../../protocol/directory/file-store'
import { ARCHIVE_DIR } from '../../protocol/directory/ignore'
import { parseSharePath, segmentsOf } from '../../protocol/directory/share-path'
import { DatabaseClosedError, DatabaseNotices, type StorageNotice } from './database-notices'
import { browserEnginePlatform, removeShareStorage } from './engine-platform'
import { FolderHandles } from './folder-handles'
import { observeFolder } from './folder-observer'
import { channelStream } from './channel-stream'
import { portStream } from './port-stream'
import type { ByteStream } from '../../protocol/stream/byte-stream'

/** Snapshots go to the page at most this often, however busy the engine is. */
const SNAPSHOT_INTERVAL_MS = 250

export interface CodeView {
  readonly code: string
  readonly link: string
  readonly location: string
  readonly accessLevel: string
  readonly status: ReturnType<typeof grantStatus>
  readonly mode: AccessCodeGrant['mode']
  readonly expiresAtMs: number | null
  readonly uses: number
}

export interface JoinView {
  readonly location: string
  readonly sinceMs: number
  /** Why the last attempt to reach the code's creator failed, if one did. */
  readonly problem?: string
}

export interface AppSnapshot {
  readonly paused: boolean
  readonly shares: readonly ShareStatus[]
  readonly joining: readonly JoinView[]
  readonly codes: readonly CodeView[]
  /** A database kept waiting by another tab, or closed under this one (database-notices.ts). */
  readonly storage?: StorageNotice
  /** The engine stopped because a database was closed under it: this tab no longer syncs. */
  readonly stopped?: true
}

export interface FileView {
  readonly path: string
  readonly kind: 'file' | 'directory'
  readonly size: number
  readonly present: boolean
  /** A conflict copy the engine made when two devices changed the file at once. */
  readonly conflict: boolean
  /** Bytes in so far, for a file arriving now. */
  readonly received?: number
}

/** A file the archive keeps (a replaced or deleted version), and the path it would go back to. */
export interface ArchivedView {
  readonly archived: string
  readonly original: string
  readonly size: number
  readonly modifiedMs: number
}

/** One connected peer of a share, as the interface lists it. */
export interface PeerView {
  readonly peerId: string
  readonly name?: string
  readonly software: string
  readonly accessLevel: string
  /** How the link runs: `webrtc`, `tcp`, or `bridge` (a TCP peer reached through the signaling server's bridge). */
  readonly connection: 'webrtc' | 'relayed' | 'tcp' | 'bridge' | 'unknown'
  readonly sinceMs: number
  /** Bytes per second from and to this peer. */
  readonly downloadRate: number
  readonly uploadRate: number
}

/**
 * A link's bytes, as the page hands them over: a data channel transferred to this worker earlier
 * (`adoptChannel`, by its key), or a MessagePort the page pumps a channel through
 * (src/net/channel-handover.ts says which and why).
 */
export type LinkTransport =
  { readonly kind: 'adopted'; readonly key: string } | { readonly kind: 'port'; readonly port: MessagePort }

export interface EngineHostOptions {
  /** This device's name, shown to peers. */
  readonly name?: string
  /** The app's own URL, for share links (`…#SYNC…`). */
  readonly appUrl: string
}

const engineLog = (message: string): void => console.debug(`[engine] ${message}`)

export class EngineHost {
  private listeners = new Set<(snapshot: AppSnapshot) => void>()
  private snapshotTimer: ReturnType<typeof setTimeout> | undefined
  private registrationListeners = new Set<(ids: Array<[string, string]>) => void>()
  /** Data channels the page transferred here, until a link runs over them (or is given up). */
  private readonly adopted = new Map<string, ByteStream>()

  /** Picked folders observed for changes, where the browser can (folder-observer.ts). */
  private readonly watchers: ShareWatchers
  /** Set once the engine is stopped (closed, or its storage lost); it never runs again. */
  private stopping: Promise<void> | undefined

  private constructor(
    private readonly engine: Engine,
    private readonly folders: FolderHandles,
    private readonly options: EngineHostOptions,
    /** The engine's own store, where the pause is kept across reloads. */
    private readonly kv: KeyValueStore,
    /** What the databases opened for this host say; a host given none (a test's) hears nothing. */
    private readonly notices = new DatabaseNotices(),
  ) {
    notices.onChange(() => this.storageChanged())
    // Only picked folders change behind the engine's back: browser storage is written by it alone.
    this.watchers = watchShares(
      engine,
      async (location, onChange) => {
        const folder = await folders.get(location)
        return folder && observeFolder(folder, onChange, engineLog)
      },
      engineLog,
    )
    engine.on((event) => {
      if (event.type === 'registrations')
        for (const listener of this.registrationListeners) listener(this.registrations())
      this.scheduleSnapshot()
    })
    // A database may have been lost after it opened and before the host existed.
    this.storageChanged()
  }

  /**
   * `onStarting` hears of the databases until the host exists and its snapshots carry them: an
   * open kept waiting by an older tab would otherwise leave the page at "Starting…" with no word.
   */
  static async start(
    options: EngineHostOptions,
    onStarting?: (notice: StorageNotice | undefined) => void,
  ): Promise<EngineHost> {
    const notices = new DatabaseNotices()
    const stopTelling = notices.onChange(() => onStarting?.(notices.notice))
    // What is open so far. No host exists to close it if the start fails, and the page gives up on
    // the worker without ending it: the engine's shares would run on, and every connection would
    // stay open, unused, until the tab is closed.
    const opened: Array<() => void | Promise<void>> = []
    try {
      const folders = await FolderHandles.open(undefined, notices)
      opened.push(() => folders.close())
      const platform = await browserEnginePlatform(folders, notices)
      opened.push(() => platform.kv.close())
      const engine = await Engine.open(platform, {
        ...(options.name ? { name: options.name } : {}),
        log: engineLog,
      })
      opened.push(() => engine.close())
      await restorePause(engine, platform.kv)
      return new EngineHost(engine, folders, options, platform.kv, notices)
    } catch (err) {
      // Latest first: the engine's shares, then the stores it read. Each may fail the same way (its
      // store lost): the page is told why the start failed, not why a close did.
      for (const close of opened.reverse())
        try {
          await close()
        } catch {
          // The next still closes.
        }
      throw err
    } finally {
      stopTelling()
    }
  }

  /**
   * Closes every link and share; the page then ends the worker (another tab takes over). An engine
   * already stopped by a lost database is not closed again, and the handover goes on.
   */
  async close(): Promise<void> {
    clearTimeout(this.snapshotTimer)
    this.listeners.clear()
    await this.stop()
  }

  /**
   * A database closed under the engine (a newer version of the app took it, or the browser ended
   * it) fails every write from then on: rather than keep its links up and log each failure, the
   * engine stops, once. The snapshots go on, to show the notice and that this tab stopped.
   */
  private storageChanged(): void {
    if (this.notices.notice?.mustReload && !this.stopping)
      this.stop().catch((err: unknown) => engineLog(`stopping failed: ${(err as Error).message}`))
    this.scheduleSnapshot()
  }

  private stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.watchers.close()
      for (const key of [...this.adopted.keys()]) this.releaseChannel(key)
      try {
        await this.engine.close()
      } catch (err) {
        // What was left to save cannot be saved: the newer version (or a reload) takes it from the stores.
        if (!(err instanceof DatabaseClosedError)) throw err
        engineLog(`stopped without saving: ${err.message}`)
      }
    })()
    return this.stopping
  }

  // --- what the page shows -----------------------------------------------------------------

  snapshot(): AppSnapshot {
    const now = Date.now()
    const storage = this.notices.notice
    // A stopped engine holds no shares: the page says it stopped rather than show them empty.
    if (this.stopping)
      return {
        ...(storage ? { storage } : {}),
        stopped: true,
        paused: this.engine.isPaused,
        shares: [],
        joining: [],
        codes: [],
      }
    return {
      ...(storage ? { storage } : {}),
      paused: this.engine.isPaused,
      shares: this.engine.shareList.map((s) => s.status()),
      joining: this.engine.pendingJoins.map((j) => {
        const failure = this.engine.joinFailure(j.accessId)
        return {
          location: j.location,
          sinceMs: j.createdAtMs,
          ...(failure ? { problem: failure.reason } : {}),
        }
      }),
      codes: this.engine.accessCodes.map(({ grant, location, code }) => ({
        code,
        link: accessCodeLink(parseAccessCode(code), this.options.appUrl),
        location,
        accessLevel: grant.accessLevel,
        status: grantStatus(grant, now),
        mode: grant.mode,
        expiresAtMs: grant.expiresAtMs,
        uses: grant.uses,
      })),
    }
  }

  /** Calls `listener` with a snapshot now and whenever something changes (throttled). */
  subscribe(listener: (snapshot: AppSnapshot) => void): void {
    this.listeners.add(listener)
    listener(this.snapshot())
  }

  private scheduleSnapshot(): void {
    this.snapshotTimer ??= setTimeout(() => {
      this.snapshotTimer = undefined
      const snapshot = this.snapshot()
      for (const listener of this.listeners) listener(snapshot)
    }, SNAPSHOT_INTERVAL_MS)
  }

  /** The files of a share as this device holds them. */
  async listFiles(location: string): Promise<FileView[]> {
    const share = this.engine.share(location)
    const files: FileView[] = []
    const arriving = new Map(share.directory.downloading().map((d) => [d.path as string, d.received]))
    for await (const page of share.records()) {
      for (const record of page) {
        if (record.deleted || !record.key.startsWith('/') || record.key === '/') continue
        const value = record.value as { size?: unknown; sha256?: unknown }
        const kind = value.sha256 === null ? 'directory' : 'file'
        const name = record.key.slice(record.key.lastIndexOf('/') + 1)
        files.push({
          path: record.key,
          kind,
          size: Number(value.size ?? 0),
          present: share.directory.holds(record.key),
          conflict: isConflictName(name),
          ...(arriving.has(record.key) ? { received: arriving.get(record.key) } : {}),
        })
      }
    }
    return files.sort((a, b) => (a.path < b.path ? -1 : 1))
  }

  /** The peers a share is connected to now. */
  peers(location: string): PeerView[] {
    const share = this.engine.share(location)
    const rates = share.directory.linkRates()
    return [...share.connections.links.entries()].map(([linkId, { sender, openedAt }]) => ({
      peerId: sender.remote.peerId,
      ...(sender.remote.name ? { name: sender.remote.name } : {}),
      software: sender.remote.software,
      accessLevel: sender.access,
      connection: connectionKind(this.engine.linkPlace(linkId), sender.remote.software),
      sinceMs: openedAt,
      downloadRate: rates.get(linkId)?.downloadRate ?? 0,
      uploadRate: rates.get(linkId)?.uploadRate ?? 0,
    }))
  }

  /** A file's current content, to preview or save (a File is a handle on disk, not a copy in memory). */
  async readFile(location: string, path: string): Promise<File> {
    const root = await this.root(location)
    let dir = root
    const names = segmentsOf(parseSharePath(path))
    for (const name of names.slice(0, -1)) dir = await dir.getDirectoryHandle(name)
    return (await dir.getFileHandle(names.at(-1) ?? '')).getFile()
  }

  // --- control commands --------------------------------------------------------------------

  /** control.md `create_share`; `folder` is a picked folder, else the files live in browser storage. */
  async createShare(location: string, folder?: FileSystemDirectoryHandle): Promise<void> {
    await this.withFolder(location, folder, 'create', () => this.engine.createShare(location))
  }

  /**
   * Stores the folder picked for a new share at `location` (none: browser storage), then runs
   * `make`. A name in use is refused before anything is stored: the engine returns the existing
   * share for it, and that share, given the other folder, would open on it after a reload and see
   * all of its own files as deleted. Should `make` fail, no folder is left for a later share of
   * that name. A folder that is, holds or lies inside another share's picked folder is refused
   * too (share-overlap.ts says why): the engine cannot tell, its locations here being names.
   */
  private async withFolder(
    location: string,
    folder: FileSystemDirectoryHandle | undefined,
    purpose: 'create' | 'join',
    make: () => Promise<unknown>,
  ): Promise<void> {
    const names = [
      ...this.engine.shareList.map((s) => s.stored.location),
      ...this.engine.pendingJoins.map((j) => j.location),
    ]
    if (names.includes(location)) throw new EngineError('EEXIST', `${location} already holds a share`)
    if (folder) {
      await this.checkPickedOverlap(location, folder, names, purpose)
      await this.folders.set(location, folder)
    } else await this.folders.delete(location)
    try {
      await make()
    } catch (err) {
      if (folder) await this.folders.delete(location).catch(() => undefined)
      throw err
    }
  }

  private async checkPickedOverlap(
    location: string,
    folder: FileSystemDirectoryHandle,
    names: readonly string[],
    purpose: 'create' | 'join',
  ): Promise<void> {
    for (const name of names) {
      const picked = await this.folders.get(name)
      if (!picked) continue
      const overlap: Overlap | undefined = (await picked.isSameEntry(folder))
        ? 'same'
        : (await picked.resolve(folder))
          ? 'inside'
          : (await folder.resolve(picked))
            ? 'contains'
            : undefined
      if (overlap)
        throw new EngineError(
          'EEXIST',
          overlapMessage(`The folder picked for '${location}'`, name, overlap, purpose),
        )
    }
  }

  /** control.md `create_access_code`. */
  async createAccessCode(
    location: string,
    level: AccessLevel,
    multiUse = false,
    expiresInMs?: number | null,
  ): Promise<CodeView> {
    const created = await this.engine.createAccessCode(location, level, {
      multiUse,
      ...(expiresInMs === undefined
        ? {}
        : { expiresAtMs: expiresInMs === null ? null : Date.now() + expiresInMs }),
    })
    const view = this.snapshot().codes.find((c) => c.code === created.code)
    if (!view) throw new EngineError('EIO', 'the new access code was not stored')
    return view
  }

  async cancelAccessCode(code: string): Promise<void> {
    await this.engine.cancelAccessCode(code)
  }

  async extendAccessCode(code: string, expiresInMs: number | null): Promise<void> {
    await this.engine.extendAccessCode(code, expiresInMs === null ? null : Date.now() + expiresInMs)
  }

  /** control.md `add_share`: join with a code (or link); the files go to `folder` or browser storage. */
  async addShare(code: string, location: string, folder?: FileSystemDirectoryHandle): Promise<void> {
    await this.withFolder(location, folder, 'join', () => this.engine.addShare(code, location))
  }

  /** Files in browser storage go with the share, as the interface says; a picked folder keeps them. */
  async removeShare(location: string): Promise<void> {
    const storageId = this.engine.shareList.find((s) => s.stored.location === location)?.stored.storageId
    const picked = await this.folders.get(location)
    await this.engine.removeShare(location)
    await this.folders.delete(location)
    if (storageId !== undefined) await removeShareStorage(storageId, picked === undefined)
  }

  /** control.md `pause`: every share, until `resume`, across reloads too. */
  pause(): Promise<void> {
    return setPaused(this.engine, this.kv, true)
  }

  /** control.md `resume`. */
  resume(): Promise<void> {
    return setPaused(this.engine, this.kv, false)
  }

  /** Copies files the person dropped or picked into a share kept in browser storage, streamed. */
  async addFiles(
    location: string,
    files: ReadonlyArray<{ readonly path: string; readonly file: File }>,
  ): Promise<void> {
    const root = await this.root(location)
    for (const { path, file } of files) {
      const names = segmentsOf(parseSharePath(path))
      let dir = root
      for (const name of names.slice(0, -1)) dir = await dir.getDirectoryHandle(name, { create: true })
      const handle = await dir.getFileHandle(names.at(-1) ?? '', { create: true })
      await file.stream().pipeTo(await handle.createWritable())
    }
    await this.engine.share(location).scan()
  }

  /** The folder the person picked for a share (undefined: browser storage), for the page to ask permission again. */
  folder(location: string): Promise<FileSystemDirectoryHandle | undefined> {
    return this.folders.get(location)
  }

  // --- what this device keeps ----------------------------------------------------------------

  /** Selective sync (`excluded`, directory.md "Partial Copy") and the archive switch, as stored. */
  shareOptions(location: string): ShareOptions {
    return this.engine.share(location).stored.options ?? {}
  }

  async setShareOptions(location: string, options: ShareOptions): Promise<void> {
    await this.engine.setShareOptions(location, options)
  }

  /** Bytes per second over every share (0: no limit). */
  rateLimits(): { readonly upload: number; readonly download: number } {
    return this.engine.rateLimits
  }

  setRateLimits(limits: { readonly upload: number; readonly download: number }): void {
    this.engine.setRateLimits(limits)
  }

  /** The archive's files (replaced and deleted versions kept in `.clearskies-archive`), newest first. */
  async listArchive(location: string): Promise<ArchivedView[]> {
    const found: ArchivedView[] = []
    let archive: FileSystemDirectoryHandle
    try {
      archive = await (await this.root(location)).getDirectoryHandle(ARCHIVE_DIR)
    } catch {
      return found // nothing archived yet
    }
    const walk = async (dir: FileSystemDirectoryHandle, path: string): Promise<void> => {
      for await (const entry of dir.values()) {
        const archived = `${path}/${entry.name}`
        if (entry.kind === 'directory') await walk(entry as FileSystemDirectoryHandle, archived)
        else {
          const original = archivedOriginal(archived)
          const file = await (entry as FileSystemFileHandle).getFile()
          if (original) found.push({ archived, original, size: file.size, modifiedMs: file.lastModified })
        }
      }
    }
    await walk(archive, `/${ARCHIVE_DIR}`)
    return found.sort((a, b) => b.modifiedMs - a.modifiedMs)
  }

  /** Puts an archived version back where it was (replacing what is there now, which the archive then keeps). */
  async restoreArchived(location: string, archived: string): Promise<void> {
    const original = archivedOriginal(archived)
    if (!original) throw new EngineError('EINVAL', `${archived} is not in the archive`)
    const file = await this.readFile(location, archived)
    await this.addFiles(location, [{ path: original, file }])
  }

  /** Rescans a share now (after the page changed files, or on request). */
  async scan(location: string): Promise<void> {
    await this.engine.share(location).scan()
  }

  private async root(location: string): Promise<FileSystemDirectoryHandle> {
    const picked = await this.folders.get(location)
    if (picked) return picked
    const storageId = this.engine.share(location).stored.storageId
    const shares = await (await navigator.storage.getDirectory()).getDirectoryHandle('shares')
    return shares.getDirectoryHandle(storageId)
  }

  // --- connections the page sets up --------------------------------------------------------

  /** The IDs to register with the tracker, and our peer ID under each. */
  registrations(): Array<[string, string]> {
    return [...this.engine.registrations()]
  }

  onRegistrations(listener: (ids: Array<[string, string]>) => void): void {
    this.registrationListeners.add(listener)
    listener(this.registrations())
  }

  wantsConnection(id: string, peerId: string): boolean {
    return this.engine.wantsConnection(id, peerId)
  }

  /**
   * A data channel the page just created and transferred here: wrapped at once, so that what
   * arrives once it opens is queued for the link that `connectOver` or `accept` starts on it.
   */
  adoptChannel(key: string, channel: RTCDataChannel): void {
    this.adopted.set(key, channelStream(channel))
  }

  /** The page gave up the link before it ran (the connection failed): close its channel. */
  releaseChannel(key: string): void {
    this.adopted.get(key)?.close()
    this.adopted.delete(key)
  }

  private transport(transport: LinkTransport): ByteStream {
    if (transport.kind === 'port') return portStream(transport.port)
    const stream = this.adopted.get(transport.key)
    if (!stream) throw new Error(`no data channel was handed over as ${transport.key}`)
    this.adopted.delete(transport.key)
    return stream
  }

  /** We offered the data channel: we are the TLS client. */
  async connectOver(id: string, transport: LinkTransport, where: string): Promise<string> {
    return this.engine.connectOver(id, this.transport(transport), where)
  }

  /** We answered the offer: we are the TLS server. */
  async accept(transport: LinkTransport, source: string): Promise<string> {
    return this.engine.accept(this.transport(transport), source)
  }
}

/** A link through the signaling server's bridge says so in its place (or the bridge in its software string). */
function connectionKind(place: string | undefined, software: string): PeerView['connection'] {
  if (place?.startsWith('bridge') || /bridge/i.test(software)) return 'bridge'
  if (place?.startsWith('webrtc-relay:')) return 'relayed'
  if (place?.startsWith('webrtc:')) return 'webrtc'
  if (place?.startsWith('tcp:')) return 'tcp'
  return 'unknown'
}
