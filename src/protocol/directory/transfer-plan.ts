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
 *   bytes keep a peer from holding many large pieces that others could serve meanwhile.
 * - A large file's pieces are asked of one peer at a time, `piecesInFlightPerFile` at once (the
 *   next is asked for while one is still coming, so the sender never waits a round trip between
 *   pieces). The temporary file is only ever appended to, in order: an answer is matched to its
 *   request by where it starts (`answerFor`), and only the one the file waits for ('next') is
 *   written. "The server may choose to respond to multiple 'get' requests out of order": an answer
 *   for a later piece ('later') is dropped, asked for again, and that peer is asked one piece of a
 *   file at a time from then on. A request whose answer is no longer of use (asked after a piece
 *   that came short or was refused, covered by a longer answer, or of a file dropped) stays
 *   counted as in flight, and its answer is dropped when it comes ('stale'). An answer at a start
 *   nobody asked for ('unexpected') is a `get_error`.
 * - `directory.not_present` ("perhaps because it has yet to be downloaded from a third peer"):
 *   another peer is tried at once, and this one again when it announces the content with
 *   `directory.present`, sends a new filter, or after a wait that starts at 2 seconds and doubles
 *   up to 5 minutes: a peer that never announces what it scanned itself is still asked again.
 * - `directory.get_error`: "the client ... should not request the file again for an extended
 *   period of time, at least several hours": that (peer, content) pair is left alone for
 *   `errorBackoffMs`.
 */
/**
 * Resuming does not depend on the piece size (a transfer resumes at the byte), and the bytes in
 * flight to a peer are bounded by `DEFAULT_MAX_IN_FLIGHT_BYTES_PER_PEER`.
 */
export const DEFAULT_PIECE_BYTES = 16 * 1024 * 1024
/**
 * With one piece of a file in flight, each piece cost a round trip during which the sender had
 * nothing of the file to send and the connection's buffers ran dry: syncing 1 GiB in bench/sync,
 * both peers' processes stood idle at each of the 64 piece boundaries. Two keep the next piece
 * queued behind the one being sent.
 */
export const DEFAULT_PIECES_IN_FLIGHT_PER_FILE = 2
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
  readonly piecesInFlightPerFile?: number
  readonly maxInFlightPerPeer?: number
  readonly maxInFlightTotal?: number
  /** A peer is given no new request while its requests in flight ask for this many bytes or more. */
  readonly maxInFlightBytesPerPeer?: number
  readonly errorBackoffMs?: number
}

/** What a response did: `done` means every byte is in and the engine should verify and commit. */
export type PieceOutcome = 'more' | 'done' | 'ignored'

/**
 * What a `directory.data` answer from a peer is: for the piece its file waits for ('next'), for a
 * piece asked for after that one ('later'), for a request no longer of use ('stale'), at a start
 * none of the file's requests to that peer has ('unexpected'), or for a content nothing was asked
 * of that peer for ('unasked').
 */
export type AnswerOrder = 'next' | 'later' | 'stale' | 'unexpected' | 'unasked'

interface FileState {
  readonly sha256: string
  readonly size: number
  /** Bytes in: where the first request in flight starts. */
  offset: number
  /** In flight, in the file's order, all of one peer. */
  requests: PieceRequest[]
}

interface PeerState {
  presence?: PeerPresence
  readonly announced: Set<string>
  /** Contents the peer answered `not_present` for: when to ask again, and the wait after that. */
  readonly notPresent: Map<string, { until: number; delayMs: number }>
  inFlight: number
  /** Bytes the requests in flight ask for. */
  inFlightBytes: number
  /** Requests whose answers are to be dropped, by content, oldest first. */
  readonly stale: Map<string, PieceRequest[]>
  /**
   * Refusals (`not_present`, `get_error`) not yet matched to a request, by content: they name no
   * range, so which of several requests one answered is known only once the others are answered.
   */
  readonly refusals: Map<string, number>
  /** Cleared when the peer answered pieces out of order: one piece of a file at a time then. */
  inOrder: boolean
}

export class TransferPlan {
  private readonly pieceBytes: number
  private readonly piecesPerFile: number
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
    this.piecesPerFile = options.piecesInFlightPerFile ?? DEFAULT_PIECES_IN_FLIGHT_PER_FILE
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
      if (resumeFrom < size && !this.has(sha256))
        this.plan({ sha256, size, offset: resumeFrom, requests: [] })
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
    if (file) this.retire(file)
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
      state = {
        announced: new Set(),
        notPresent: new Map(),
        inFlight: 0,
        inFlightBytes: 0,
        stale: new Map(),
        refusals: new Map(),
        inOrder: true,
      }
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
      if (file.requests[0]?.peer !== peer) continue
      // At most up to the last byte: a request for it, answered from the temporary file's end,
      // is what completes a file whose last response was cut off just after its data.
      this.advance(file, Math.min(file.size - 1, Math.max(file.offset, reached?.(file.sha256) ?? 0)))
      file.requests = []
      this.inFlight.delete(file.sha256)
      this.enqueue(file)
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
    /** The next pieces of a file in flight, while its peer has room. */
    const more = (file: FileState): void => {
      while (free > 0) {
        const request = this.pipeline(file, nowMs)
        if (request === undefined) return
        requests.push(request)
        free = countFree()
      }
    }
    const take = (file: FileState): boolean => {
      const request = free > 0 ? this.assign(file, nowMs) : undefined
      if (request === undefined) return false
      requests.push(request)
      free = countFree()
      more(file)
      return true
    }
    for (const file of this.inFlight.values()) more(file)
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
    this.inFlight.set(file.sha256, file)
    return this.ask(file, chosen[0], chosen[1], file.offset)
  }

  /** The file's next piece, of the peer its pieces in flight are asked of, if it may have one more. */
  private pipeline(file: FileState, nowMs: number): PieceRequest | undefined {
    const last = file.requests.at(-1)
    if (last === undefined || file.requests.length >= this.piecesPerFile) return undefined
    const end = last.range[0] + last.range[1]
    const state = this.peers.get(last.peer)
    if (end >= file.size || !state?.inOrder || this.freeSlots(state) === 0) return undefined
    if (!this.canServe(last.peer, state, file.sha256, nowMs)) return undefined
    return this.ask(file, last.peer, state, end)
  }

  private ask(file: FileState, peer: string, state: PeerState, start: number): PieceRequest {
    const request: PieceRequest = {
      peer,
      sha256: file.sha256,
      range: [start, Math.min(this.pieceBytes, file.size - start)],
    }
    file.requests.push(request)
    state.inFlight++
    state.inFlightBytes += request.range[1]
    return request
  }

  private inFlightFrom(peer: string, sha256: string): FileState | undefined {
    const file = this.inFlight.get(sha256)
    return file?.requests[0]?.peer === peer ? file : undefined
  }

  /**
   * Which request an answer from `peer` for `sha256` answers: the one asked at `start`, the start
   * of its data. Without a start (the answer gave no range), the file's next piece if one is asked
   * of that peer, else its oldest stale request.
   */
  answerFor(peer: string, sha256: string, start?: number): AnswerOrder {
    const live = this.inFlightFrom(peer, sha256)?.requests ?? []
    const stale = this.peers.get(peer)?.stale.get(sha256) ?? []
    if (start === undefined) return live.length > 0 ? 'next' : stale.length > 0 ? 'stale' : 'unasked'
    const at = live.findIndex((r) => r.range[0] === start)
    if (at >= 0) return at === 0 ? 'next' : 'later'
    if (stale.some((r) => r.range[0] === start)) return 'stale'
    return live.length > 0 || stale.length > 0 ? 'unexpected' : 'unasked'
  }

  /**
   * A 'stale' answer has come (and was dropped): the request asked at `start` (the oldest if none
   * is given) is no longer in flight.
   */
  staleAnswered(peer: string, sha256: string, start?: number): void {
    const state = this.peers.get(peer)
    const stale = state?.stale.get(sha256)
    if (!state || !stale) return
    const at = stale.findIndex((r) => r.range[0] === start)
    const [request] = stale.splice(Math.max(0, at), 1)
    if (request) this.freeSlot(state, request)
    if (stale.length === 0) state.stale.delete(sha256)
    this.matchRefusals(state, sha256)
  }

  /**
   * A refusal answered one of the peer's requests for `sha256`: the file's requests of that peer
   * are no longer of use (the refusal may be theirs), and the refusal is matched to a request once
   * every other is answered. True when the file was waiting on that peer (the refusal is news).
   */
  private refusal(peer: string, sha256: string): boolean {
    const state = this.peers.get(peer)
    if (!state) return false
    const file = this.inFlightFrom(peer, sha256)
    if (!file && !state.stale.has(sha256)) return false // asked nothing: nothing to answer
    if (file) this.requeue(file)
    state.refusals.set(sha256, (state.refusals.get(sha256) ?? 0) + 1)
    this.matchRefusals(state, sha256)
    return file !== undefined
  }

  /** Once as many refusals as requests are left for `sha256`, they answered those requests. */
  private matchRefusals(state: PeerState, sha256: string): void {
    const refusals = state.refusals.get(sha256) ?? 0
    const stale = state.stale.get(sha256) ?? []
    if (refusals === 0 || refusals < stale.length) return
    for (const request of stale) this.freeSlot(state, request)
    state.stale.delete(sha256)
    state.refusals.delete(sha256)
  }

  /**
   * The peer answered the piece of `sha256` asked at `start` before an earlier one: that answer is
   * dropped and asked for again once the earlier ones are in, and this peer is asked one piece of
   * a file at a time from now on.
   */
  outOfOrder(peer: string, sha256: string, start: number): void {
    const file = this.inFlightFrom(peer, sha256)
    const answered = file?.requests.find((r) => r.range[0] === start)
    if (!file || !answered || answered === file.requests[0]) return
    this.peer(peer).inOrder = false
    this.settle(file, answered)
    this.retire(file, file.requests.slice(1))
  }

  private freeSlot(state: PeerState, request: PieceRequest): void {
    state.inFlight--
    state.inFlightBytes -= request.range[1]
  }

  /** A request of the file's is answered: the peer's slot is free again. */
  private settle(file: FileState, request: PieceRequest): void {
    const state = this.peers.get(request.peer)
    if (state) this.freeSlot(state, request)
    file.requests.splice(file.requests.indexOf(request), 1)
  }

  /**
   * The answers still to come for `requests` of the file's (all of them by default, and then the
   * file is no longer in flight) will be dropped.
   */
  private retire(file: FileState, requests: readonly PieceRequest[] = file.requests): void {
    for (const request of requests) {
      const state = this.peers.get(request.peer)
      if (state) {
        const stale = state.stale.get(file.sha256) ?? []
        stale.push(request)
        state.stale.set(file.sha256, stale)
      }
    }
    file.requests = file.requests.filter((r) => !requests.includes(r))
    if (file.requests.length === 0) this.inFlight.delete(file.sha256)
  }

  /** Moves a file's offset, and the bytes still planned with it. */
  private advance(file: FileState, offset: number): void {
    this.plannedBytes -= offset - file.offset
    file.offset = offset
  }

  /** Back to the queue: any requests still in flight of the file's are stale. */
  private requeue(file: FileState): void {
    this.retire(file)
    this.enqueue(file)
  }

  /**
   * A `directory.data` response was fully written to the temporary file: the one to the request
   * at `start` (by default the oldest), `length` bytes from `from` (by default where that request
   * starts; the fetcher gives 0 for an answer without a range, which is the file from its first
   * byte). A response with no bytes for a non-empty range counts as an error.
   */
  received(
    peer: string,
    sha256: string,
    length: number,
    nowMs: number,
    start?: number,
    from = start,
  ): PieceOutcome {
    if (this.answerFor(peer, sha256, start) === 'stale') {
      this.staleAnswered(peer, sha256, start)
      return 'ignored'
    }
    const file = this.inFlightFrom(peer, sha256)
    const request = file?.requests[0]
    if (!file || !request) return 'ignored'
    if (length <= 0) {
      this.failed(peer, sha256, nowMs, start)
      return 'more'
    }
    this.settle(file, request)
    const reached = Math.min(file.size, (from ?? request.range[0]) + length)
    if (reached > file.offset) this.advance(file, reached)
    // Pieces a longer answer brought in are stale.
    this.retire(
      file,
      file.requests.filter((r) => r.range[0] + r.range[1] <= file.offset),
    )
    if (file.offset < file.size) {
      // After a short answer the next piece starts past the file's end: the file is asked again
      // from where it stands, and its pieces still out are stale.
      if ((file.requests[0]?.range[0] ?? Infinity) > file.offset) this.requeue(file)
      return 'more'
    }
    this.retire(file)
    this.plannedFiles--
    this.forgetAnswers(sha256)
    return 'done'
  }

  /**
   * `directory.not_present`: ask someone else now, and this peer again after a doubling wait (or
   * as soon as it announces the content). `nowMs` defaults to the time of the latest `next`.
   */
  notPresent(peer: string, sha256: string, nowMs = this.nowMs): void {
    if (!this.refusal(peer, sha256)) return
    const state = this.peer(peer)
    const before = state.notPresent.get(sha256)
    const delayMs = before
      ? Math.min(before.delayMs * 2, NOT_PRESENT_MAX_RETRY_MS)
      : NOT_PRESENT_FIRST_RETRY_MS
    state.notPresent.set(sha256, { until: nowMs + delayMs, delayMs })
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
    if (this.refusal(peer, sha256)) this.backoff.set(`${peer}\n${sha256}`, nowMs + this.backoffMs)
  }

  /**
   * The peer's data answer (at `start`, or to the file's next piece) is of no use: no data, data
   * that does not continue the temporary file, or at a start never asked for. It answered the
   * request asked at `start` (else one of them, as a refusal would), and this peer's copy is left
   * alone for hours.
   */
  failed(peer: string, sha256: string, nowMs: number, start?: number): void {
    this.backoff.set(`${peer}\n${sha256}`, nowMs + this.backoffMs)
    const file = this.inFlightFrom(peer, sha256)
    const request = file?.requests.find((r) => r.range[0] === start) ?? file?.requests[0]
    if (!file || !request || (start !== undefined && request.range[0] !== start)) {
      this.refusal(peer, sha256)
      return
    }
    this.settle(file, request)
    this.requeue(file)
  }

  /**
   * The finished file did not hash to its SHA-256 (or was cut short): start it over from byte 0,
   * and treat the peer that sent the last piece like one that answered `get_error`.
   */
  corrupt(peer: string, sha256: string, size: number, nowMs: number): void {
    this.drop(sha256)
    this.backoff.set(`${peer}\n${sha256}`, nowMs + this.backoffMs)
    this.plan({ sha256, size, offset: 0, requests: [] })
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
