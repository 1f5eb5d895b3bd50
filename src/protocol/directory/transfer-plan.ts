import { isSha256Hex } from './file-value'
import { RandomQueue } from './random-queue'

/**
 * Which file contents to ask which peer for, and when (directory.md, "Retrieving Files"). Pure
 * state: the engine feeds it wants, peers' presence and responses, and sends the `directory.get`
 * requests it hands out. The clock and the random source are passed in.
 *
 * - "Files should be asked for in a random order so that if many peers are involved with the
 *   directory, the files spread as quickly as possible": every want lands at a random place in
 *   the queue (`RandomQueue`), however the records trickle in.
 * - "File data is always requested by SHA256 checksum, not by path", with a "range" of
 *   [start, length]: files are fetched in pieces of `pieceBytes`, from the end of what is already
 *   in the temporary file ("Software should attempt to resume partial file transfers").
 * - "software may issue multiple 'get' requests in order to receive pipelined responses": up to
 *   `maxInFlightPerPeer` requests per peer, over every peer at once, as long as the peer's
 *   requests in flight ask for less than `maxInFlightBytesPerPeer`. The count lets many small
 *   files be on their way at once (each round trip waits on both peers' disks and crypto
 *   threads: with few in flight, a loaded machine's latency bounds the files per second); the
 *   bytes keep a peer from holding many large pieces that others could serve meanwhile. One file has one request in
 *   flight at a time, so its temporary file is only ever appended to, in order (a response may
 *   come "out of order" relative to other files, which does not matter then).
 * - `directory.not_present` ("perhaps because it has yet to be downloaded from a third peer"):
 *   another peer is tried at once, and this one again when it announces the content with
 *   `directory.present`, sends a new filter, or after a wait that starts at 2 seconds and doubles
 *   up to 5 minutes: a peer that never announces what it scanned itself is still asked again.
 * - `directory.get_error`: "the client ... should not request the file again for an extended
 *   period of time, at least several hours": that (peer, content) pair is left alone for
 *   `errorBackoffMs`.
 */
/**
 * Each piece costs a round trip during which the sender has nothing of this file to send (one
 * request per file is in flight): at 4 MiB that idled the sender for a sixth of a large file's
 * transfer on a loaded machine. Resuming does not depend on it: a transfer resumes at the byte.
 */
export const DEFAULT_PIECE_BYTES = 16 * 1024 * 1024
export const DEFAULT_MAX_IN_FLIGHT_PER_PEER = 256
export const DEFAULT_MAX_IN_FLIGHT_TOTAL = 1024
export const DEFAULT_MAX_IN_FLIGHT_BYTES_PER_PEER = 64 * 1024 * 1024
export const DEFAULT_ERROR_BACKOFF_MS = 6 * 60 * 60 * 1000
export const NOT_PRESENT_FIRST_RETRY_MS = 2_000
export const NOT_PRESENT_MAX_RETRY_MS = 5 * 60_000

export interface WantedFile {
  readonly sha256: string
  readonly size: number
  /** Bytes already in the temporary file (its `size`): the transfer resumes there. */
  readonly resumeFrom?: number
}

export interface PieceRequest {
  readonly peer: string
  readonly sha256: string
  /** The draft's `range`: [start, length]. */
  readonly range: readonly [number, number]
}

/** What a peer may have: its bloom filter (`PresenceFilter`) or anything answering the same question. */
export interface PeerPresence {
  mayHave(sha256: string): boolean
}

export interface TransferPlanOptions {
  /** Uniform in [0, 1). */
  readonly random: () => number
  readonly pieceBytes?: number
  readonly maxInFlightPerPeer?: number
  readonly maxInFlightTotal?: number
  /** A peer is given no new request while its requests in flight ask for this many bytes or more. */
  readonly maxInFlightBytesPerPeer?: number
  readonly errorBackoffMs?: number
}

/** What a response did: `done` means every byte is in and the engine should verify and commit. */
export type PieceOutcome = 'more' | 'done' | 'ignored'

interface FileState {
  readonly sha256: string
  readonly size: number
  offset: number
  request?: PieceRequest
}

interface PeerState {
  presence?: PeerPresence
  readonly announced: Set<string>
  /** Contents the peer answered `not_present` for: when to ask again, and the wait after that. */
  readonly notPresent: Map<string, { until: number; delayMs: number }>
  inFlight: number
  /** Bytes the requests in flight ask for. */
  inFlightBytes: number
}

export class TransferPlan {
  private readonly pieceBytes: number
  private readonly maxPerPeer: number
  private readonly maxTotal: number
  private readonly maxBytesPerPeer: number
  private readonly backoffMs: number
  /** Started files first, so half-fetched files finish before new ones begin; then the random queue. */
  private readonly resumable = new Map<string, FileState>()
  private readonly queue: RandomQueue<FileState>
  private readonly inFlight = new Map<string, FileState>()
  private readonly peers = new Map<string, PeerState>()
  private readonly backoff = new Map<string, number>()
  /** The latest time any call was given, for the calls that do not take one. */
  private nowMs = 0
  /**
   * Files planned (queued, resumable or in flight) and their bytes still to come, kept as they
   * change: progress is asked for many times a second, and summing 100k files each time is not free.
   */
  private plannedFiles = 0
  private plannedBytes = 0

  constructor(options: TransferPlanOptions) {
    this.pieceBytes = options.pieceBytes ?? DEFAULT_PIECE_BYTES
    this.maxPerPeer = options.maxInFlightPerPeer ?? DEFAULT_MAX_IN_FLIGHT_PER_PEER
    this.maxTotal = options.maxInFlightTotal ?? DEFAULT_MAX_IN_FLIGHT_TOTAL
    this.maxBytesPerPeer = options.maxInFlightBytesPerPeer ?? DEFAULT_MAX_IN_FLIGHT_BYTES_PER_PEER
    this.backoffMs = options.errorBackoffMs ?? DEFAULT_ERROR_BACKOFF_MS
    this.queue = new RandomQueue(options.random)
  }

  /**
   * Adds contents to fetch, each at a random place in the queue. A content already planned is left
   * as it is. Nothing is planned for an empty file or a complete temporary file: the engine
   * creates or commits those.
   */
  want(files: readonly WantedFile[]): void {
    for (const { sha256, size, resumeFrom = 0 } of files) {
      if (!isSha256Hex(sha256)) throw new TypeError(`${JSON.stringify(sha256)} is not a SHA-256`)
      if (!Number.isSafeInteger(resumeFrom) || resumeFrom < 0 || resumeFrom > size) {
        throw new RangeError(`resume offset ${resumeFrom} is outside 0..${size} for ${sha256}`)
      }
      if (resumeFrom < size && !this.has(sha256)) this.plan({ sha256, size, offset: resumeFrom })
    }
  }

  /** A file enters the plan. */
  private plan(file: FileState): void {
    this.plannedFiles++
    this.plannedBytes += file.size - file.offset
    this.enqueue(file)
  }

  private enqueue(file: FileState): void {
    if (file.offset > 0) this.resumable.set(file.sha256, file)
    else this.queue.add(file.sha256, file)
  }

  has(sha256: string): boolean {
    return this.queue.has(sha256) || this.resumable.has(sha256) || this.inFlight.has(sha256)
  }

  /** No longer wanted (the record changed or was deleted); a response still on its way is ignored. */
  drop(sha256: string): void {
    const planned = this.inFlight.get(sha256) ?? this.resumable.get(sha256) ?? this.queue.get(sha256)
    if (planned) {
      this.plannedFiles--
      this.plannedBytes -= planned.size - planned.offset
    }
    const file = this.inFlight.get(sha256)
    if (file?.request) this.release(file)
    this.queue.delete(sha256)
    this.resumable.delete(sha256)
    this.forgetAnswers(sha256)
  }

  /** Once a content is fetched or dropped, what peers said about it is of no more use. */
  private forgetAnswers(sha256: string): void {
    for (const state of this.peers.values()) state.notPresent.delete(sha256)
  }

  private peer(peer: string): PeerState {
    let state = this.peers.get(peer)
    if (!state) {
      state = { announced: new Set(), notPresent: new Map(), inFlight: 0, inFlightBytes: 0 }
      this.peers.set(peer, state)
    }
    return state
  }

  /**
   * The peer's `directory.bloom_filter` (or the 0xff / 0x00 values, which `PresenceFilter` reads).
   * A new filter supersedes the `not_present` answers given before it.
   */
  setPresence(peer: string, presence: PeerPresence): void {
    const state = this.peer(peer)
    state.presence = presence
    state.notPresent.clear()
  }

  /** `directory.present`: the peer now has this content, whatever it said before. */
  present(peer: string, sha256: string): void {
    const state = this.peer(peer)
    state.announced.add(sha256)
    state.notPresent.delete(sha256)
  }

  /**
   * The peer disconnected: its requests go back to be asked elsewhere, from `reached` (how far
   * the temporary file got within the piece cut off) where the caller knows it, so the bytes that
   * did arrive are not fetched again.
   */
  removePeer(peer: string, reached?: (sha256: string) => number | undefined): void {
    for (const file of [...this.inFlight.values()]) {
      if (file.request?.peer !== peer) continue
      // At most up to the last byte: a request for it, answered from the temporary file's end,
      // is what completes a file whose last response was cut off just after its data.
      this.advance(file, Math.min(file.size - 1, Math.max(file.offset, reached?.(file.sha256) ?? 0)))
      this.requeue(file)
    }
    this.peers.delete(peer)
  }

  private canServe(peer: string, state: PeerState, sha256: string, nowMs: number): boolean {
    if ((state.notPresent.get(sha256)?.until ?? 0) > nowMs) return false
    const key = `${peer}\n${sha256}`
    const until = this.backoff.get(key)
    if (until !== undefined && until > nowMs) return false
    if (until !== undefined) this.backoff.delete(key) // expired: forget it, so the map does not grow forever
    return state.announced.has(sha256) || (state.presence?.mayHave(sha256) ?? false)
  }

  /** New requests to send now, filling every peer's free slots. */
  next(nowMs: number): PieceRequest[] {
    this.nowMs = nowMs
    const requests: PieceRequest[] = []
    // Free slots over every peer: recounted after each request, since one may use up a peer's
    // bytes, so the sweep stops as soon as no peer can take more.
    const countFree = (): number => {
      let free = 0
      for (const state of this.peers.values()) free += this.freeSlots(state)
      return Math.min(free, this.maxTotal - this.inFlight.size)
    }
    let free = countFree()
    const take = (file: FileState): boolean => {
      const request = free > 0 ? this.assign(file, nowMs) : undefined
      if (request === undefined) return false
      requests.push(request)
      free = countFree()
      return true
    }
    for (const file of this.resumable.values()) if (take(file)) this.resumable.delete(file.sha256)
    this.queue.sweep((file) => (free <= 0 ? 'stop' : take(file) ? 'take' : 'keep'))
    return requests
  }

  /**
   * Requests the peer may be given now. One request may take it past the byte bound (a piece
   * is asked for whole), so that a peer with room is never passed over for a file that would
   * fit, and `next` never sweeps the queue for files small enough.
   */
  private freeSlots(state: PeerState): number {
    return state.inFlightBytes < this.maxBytesPerPeer ? Math.max(0, this.maxPerPeer - state.inFlight) : 0
  }

  /** Asks the least busy peer that may have the file, if any has a free slot. */
  private assign(file: FileState, nowMs: number): PieceRequest | undefined {
    let chosen: [string, PeerState] | undefined
    for (const entry of this.peers) {
      const [peer, state] = entry
      if (this.freeSlots(state) === 0 || !this.canServe(peer, state, file.sha256, nowMs)) continue
      if (!chosen || state.inFlight < chosen[1].inFlight) chosen = entry
    }
    if (!chosen) return undefined
    const request: PieceRequest = {
      peer: chosen[0],
      sha256: file.sha256,
      range: [file.offset, Math.min(this.pieceBytes, file.size - file.offset)],
    }
    file.request = request
    chosen[1].inFlight++
    chosen[1].inFlightBytes += request.range[1]
    this.inFlight.set(file.sha256, file)
    return request
  }

  private inFlightFrom(peer: string, sha256: string): FileState | undefined {
    const file = this.inFlight.get(sha256)
    return file?.request?.peer === peer ? file : undefined
  }

  private release(file: FileState): void {
    const peer = file.request && this.peers.get(file.request.peer)
    if (peer && file.request) {
      peer.inFlight--
      peer.inFlightBytes -= file.request.range[1]
    }
    file.request = undefined
    this.inFlight.delete(file.sha256)
  }

  /** Moves a file's offset, and the bytes still planned with it. */
  private advance(file: FileState, offset: number): void {
    this.plannedBytes -= offset - file.offset
    file.offset = offset
  }

  private requeue(file: FileState): void {
    this.release(file)
    this.enqueue(file)
  }

  /**
   * A `directory.data` response was fully written to the temporary file: `length` bytes from the
   * request's start. A response with no bytes for a non-empty range counts as an error.
   */
  received(peer: string, sha256: string, length: number, nowMs: number): PieceOutcome {
    const file = this.inFlightFrom(peer, sha256)
    if (!file) return 'ignored'
    if (length <= 0) {
      this.getError(peer, sha256, nowMs)
      return 'more'
    }
    this.advance(file, Math.min(file.size, file.offset + length))
    if (file.offset < file.size) {
      this.requeue(file)
      return 'more'
    }
    this.release(file)
    this.plannedFiles--
    this.forgetAnswers(sha256)
    return 'done'
  }

  /**
   * `directory.not_present`: ask someone else now, and this peer again after a doubling wait (or
   * as soon as it announces the content). `nowMs` defaults to the time of the latest `next`.
   */
  notPresent(peer: string, sha256: string, nowMs = this.nowMs): void {
    const state = this.peer(peer)
    const before = state.notPresent.get(sha256)
    const delayMs = before
      ? Math.min(before.delayMs * 2, NOT_PRESENT_MAX_RETRY_MS)
      : NOT_PRESENT_FIRST_RETRY_MS
    state.notPresent.set(sha256, { until: nowMs + delayMs, delayMs })
    const file = this.inFlightFrom(peer, sha256)
    if (file) this.requeue(file)
  }

  /**
   * When a wait ends for a content still wanted (a `not_present` or `get_error` back-off), so the
   * driver can call `next` again then even if nothing else happens; undefined when none is waiting.
   */
  nextWakeAt(): number | undefined {
    let next: number | undefined
    const consider = (sha256: string, until: number): void => {
      if (until > this.nowMs && (this.queue.has(sha256) || this.resumable.has(sha256)))
        next = Math.min(next ?? until, until)
    }
    for (const state of this.peers.values())
      for (const [sha256, { until }] of state.notPresent) consider(sha256, until)
    for (const [key, until] of this.backoff) consider(key.slice(key.indexOf('\n') + 1), until)
    return next
  }

  /** `directory.get_error`: leave this peer's copy alone for hours. */
  getError(peer: string, sha256: string, nowMs: number): void {
    this.backoff.set(`${peer}\n${sha256}`, nowMs + this.backoffMs)
    const file = this.inFlightFrom(peer, sha256)
    if (file) this.requeue(file)
  }

  /**
   * The finished file did not hash to its SHA-256 (or was cut short): start it over from byte 0,
   * and treat the peer that sent the last piece like one that answered `get_error`.
   */
  corrupt(peer: string, sha256: string, size: number, nowMs: number): void {
    this.drop(sha256)
    this.backoff.set(`${peer}\n${sha256}`, nowMs + this.backoffMs)
    this.plan({ sha256, size, offset: 0 })
  }

  /** Files begun (a request out, or bytes in), and how far each has come: a per-file progress display. */
  active(): Array<{ readonly sha256: string; readonly size: number; readonly received: number }> {
    // The random queue holds only files not begun: `enqueue` sends the others to `resumable`.
    const begun = [...this.inFlight.values(), ...this.resumable.values()]
    return begun.map((f) => ({ sha256: f.sha256, size: f.size, received: f.offset }))
  }

  /** What is left, for progress and an ETA. */
  remaining(): { files: number; bytes: number } {
    return { files: this.plannedFiles, bytes: this.plannedBytes }
  }
}
