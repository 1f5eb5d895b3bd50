/**
 * File contents on the wire (directory.md, "Retrieving Files"): asks peers for the contents the
 * materializer wants, by SHA-256 and `[start, length]` range, several at once from several peers
 * (the `TransferPlan` decides which and when); writes what arrives to a temporary file while
 * hashing it; verifies; hands the file to be committed. And the other side: answers a peer's
 * `directory.get` from the local folder, streamed, or with `not_present`.
 */
import type { FileStore, TempFile } from './file-store'
import type { RegularFileValue } from './file-value'
import type { Hasher, HasherFactory } from './hasher'
import type { Selection } from './ignore'
import type { LocalState } from './local-state'
import { directoryBody, type ByteRange, type DirectoryMessage } from './messages'
import type { SharePath } from './share-path'
import { DEFAULT_PIECE_BYTES, TransferPlan, type PeerPresence } from './transfer-plan'
import { Slots } from '../stream/slots'
import { concatBytes } from '../wire/bytes'
import type { JsonObject } from '../wire/json-value'

/** How a link is used by the fetcher: a message, with a binary payload for `directory.data`. */
export interface FetchLink {
  send(body: JsonObject & { type: string }, payload?: AsyncIterable<Uint8Array>): Promise<void>
  close(reason: string): void
}

/** A rate limit: resolves once `bytes` may be sent or taken in (the engine's token bucket). */
export interface Throttle {
  take(bytes: number): Promise<void>
}

export interface FetcherOptions {
  readonly store: FileStore
  readonly state: LocalState
  readonly selection: Selection
  readonly createHasher: HasherFactory
  readonly random: () => number
  readonly now: () => number
  /** A verified temporary file for `sha256`: put it in place at its targets. */
  readonly fetched: (
    sha256: string,
    temp: TempFile,
    targets: ReadonlyMap<SharePath, string>,
    from: string | undefined,
  ) => Promise<void>
  readonly log: (level: 'debug' | 'info' | 'warn', message: string) => void
  readonly pieceBytes?: number
  /** The upload and download limits, applied to file data as it is read from or to the link. */
  readonly upload?: Throttle
  readonly download?: Throttle
}

interface Wanted {
  readonly value: RegularFileValue
  /** Paths that should hold this content, with the record each materializes. */
  readonly targets: Map<SharePath, string>
  /** Fetched from byte 0, whatever a temporary file holds (see `want`). */
  readonly fresh: boolean
  temp?: TempFile
  hasher?: Hasher
  /** Open (and re-hash a resumed temporary file) once, even if pieces race. */
  opening?: Promise<void>
  /**
   * Settles when the file's last answer (and so every one before it) is done with the temporary
   * file.
   */
  answering?: Promise<void>
}

export interface TransferProgress {
  readonly filesRemaining: number
  readonly bytesRemaining: number
  /** Bytes received since this share opened. */
  readonly bytesReceived: number
  /** Bytes per second over the last measurement window. */
  readonly downloadRate: number
  readonly uploadRate: number
  /**
   * Seconds until what is wanted is in, at the current download rate; null while nothing is
   * arriving (directory.md: "a rough estimate of the amount of time remaining").
   */
  readonly etaSeconds: number | null
}

/** How far back the transfer rates look. */
const RATE_WINDOW_MS = 5_000
/** Files up to this size are fetched from byte 0, without looking for a partial file to resume. */
export const FRESH_MAX_BYTES = 4 * 1024 * 1024
/**
 * A whole file up to this size is gathered in memory as it arrives and written to its temporary
 * file afterwards, off the link: the link goes on to the next response at once instead of waiting
 * on the disk (an open, a write) for each small file, so a sync of many small files is not bound
 * by the disk's latency times the number of files.
 */
export const IN_MEMORY_MAX_BYTES = 256 * 1024
/** Received file data is written to the temporary file in batches of this size. */
export const APPEND_BATCH_BYTES = 1024 * 1024
/** Files gathered in memory and not yet written: past this, the link waits (back-pressure). */
export const MAX_UNWRITTEN_FILES = 64
/**
 * Bytes of small answers read ahead of their turn to be sent. Reading each answer only when the
 * one before it has gone out serialises the disk's latency (open, read, close) file by file;
 * read ahead, the answers to a burst of requests go out together. Beyond this the reads wait
 * their turn, so a peer asking for everything at once costs no more memory than this.
 */
export const MAX_READ_AHEAD_BYTES = 8 * 1024 * 1024

/**
 * Samples closer together than this are added up: a sample per chunk was 16,000 samples in the
 * window at 50 MB/s in 16 KiB chunks, each trimmed with an O(n) shift.
 */
const RATE_SAMPLE_MS = 100

class RateMeter {
  private samples: Array<{ at: number; bytes: number }> = []
  total = 0

  add(bytes: number, now: number): void {
    this.total += bytes
    const last = this.samples.at(-1)
    if (last && now - last.at < RATE_SAMPLE_MS) last.bytes += bytes
    else this.samples.push({ at: now, bytes })
    this.trim(now)
  }

  rate(now: number): number {
    this.trim(now)
    const bytes = this.samples.reduce((sum, s) => sum + s.bytes, 0)
    return Math.round((bytes * 1000) / RATE_WINDOW_MS)
  }

  private trim(now: number): void {
    while (this.samples.length > 0 && this.samples[0]!.at < now - RATE_WINDOW_MS) this.samples.shift()
  }
}

export class Fetcher {
  private readonly plan: TransferPlan
  private readonly links = new Map<string, FetchLink>()
  private readonly wanted = new Map<string, Wanted>()
  /** The content each path waits for: `retarget` finds it without a scan of every wanted file. */
  private readonly byPath = new Map<SharePath, string>()
  private readonly pieceBytes: number
  private readonly received = new RateMeter()
  private readonly sent = new RateMeter()
  /** The same, per link: the interface shows each peer's rates. */
  private readonly perLink = new Map<string, { readonly received: RateMeter; readonly sent: RateMeter }>()
  /** Files gathered in memory and being written, and the links waiting for one to finish. */
  private readonly unwritten = new Slots(MAX_UNWRITTEN_FILES)
  /** Those writes (and what follows them), for `close` to wait for. */
  private readonly writing = new Set<Promise<void>>()
  /** Bytes of answers read ahead and not yet sent (`MAX_READ_AHEAD_BYTES`). */
  private readAhead = 0
  /** Per link, the last answer handed over to it: the next waits for it, to keep their order. */
  private readonly answered = new Map<string, Promise<void>>()

  constructor(private readonly o: FetcherOptions) {
    this.pieceBytes = o.pieceBytes ?? DEFAULT_PIECE_BYTES
    this.plan = new TransferPlan({ random: o.random, pieceBytes: this.pieceBytes })
  }

  /** Bytes per second to and from each link, over the last measurement window. */
  linkRates(): Map<string, { readonly downloadRate: number; readonly uploadRate: number }> {
    const now = this.o.now()
    return new Map(
      [...this.perLink].map(([id, m]) => [
        id,
        { downloadRate: m.received.rate(now), uploadRate: m.sent.rate(now) },
      ]),
    )
  }

  private meters(id: string): { readonly received: RateMeter; readonly sent: RateMeter } {
    let m = this.perLink.get(id)
    if (!m) this.perLink.set(id, (m = { received: new RateMeter(), sent: new RateMeter() }))
    return m
  }

  /** The paths whose content is arriving now, with the bytes in so far. */
  downloading(): Array<{ readonly path: SharePath; readonly size: number; readonly received: number }> {
    return this.plan
      .active()
      .flatMap(({ sha256, size, received }) =>
        [...(this.wanted.get(sha256)?.targets.keys() ?? [])].map((path) => ({ path, size, received })),
      )
  }

  progress(): TransferProgress {
    const { files, bytes } = this.plan.remaining()
    const now = this.o.now()
    const downloadRate = this.received.rate(now)
    const etaSeconds = bytes === 0 ? 0 : downloadRate > 0 ? Math.ceil(bytes / downloadRate) : null
    return {
      filesRemaining: files,
      bytesRemaining: bytes,
      bytesReceived: this.received.total,
      downloadRate,
      uploadRate: this.sent.rate(now),
      etaSeconds,
    }
  }

  /** Asks for `value`'s content at `path`; a content wanted at several paths is fetched once. */
  want(path: SharePath, value: RegularFileValue, uuid: string): void {
    const existing = this.wanted.get(value.sha256)
    this.byPath.set(path, value.sha256)
    if (existing) {
      existing.targets.set(path, uuid)
      return
    }
    // A small file is fetched whole: checking for a partial file to resume would cost an open
    // per file and save little.
    const fresh = value.size <= BigInt(Math.min(this.pieceBytes, FRESH_MAX_BYTES))
    const wanted: Wanted = { value, targets: new Map([[path, uuid]]), fresh }
    this.wanted.set(value.sha256, wanted)
    if (fresh) {
      this.plan.want([{ sha256: value.sha256, size: Number(value.size) }])
      this.pump()
      return
    }
    void this.resumeOffset(wanted).then(
      async (resumeFrom) => {
        // Dropped (retargeted, deleted) while the partial file was looked at.
        if (this.wanted.get(value.sha256) !== wanted) return
        if (resumeFrom >= Number(value.size)) {
          await this.open(wanted)
          return this.finish(value.sha256, wanted)
        }
        this.plan.want([{ sha256: value.sha256, size: Number(value.size), resumeFrom }])
        this.pump()
      },
      (err: unknown) => this.o.log('warn', `cannot prepare ${path}: ${(err as Error).message}`),
    )
  }

  /** `path` no longer wants any content but `sha256` (the record changed again, or was deleted). */
  retarget(path: SharePath, sha256: string | undefined): void {
    const wantedSha = this.byPath.get(path)
    if (wantedSha === undefined || wantedSha === sha256) return
    this.byPath.delete(path)
    const wanted = this.wanted.get(wantedSha)
    if (!wanted?.targets.delete(path) || wanted.targets.size > 0) return
    this.wanted.delete(wantedSha)
    this.plan.drop(wantedSha)
    // Once an answer being written to it is done, and once it is open.
    void (async () => {
      await wanted.answering
      await wanted.opening?.catch(() => undefined)
      await wanted.temp?.close()
    })().catch((err: unknown) =>
      this.o.log(
        'warn',
        `closing the partial file for ${wantedSha.slice(0, 12)} failed: ${(err as Error).message}`,
      ),
    )
  }

  /** The share closes: partial files are released as they are, to resume from next time. */
  async close(): Promise<void> {
    await Promise.all(this.writing)
    const wanted = [...this.wanted]
    this.wanted.clear()
    this.byPath.clear()
    for (const [sha256] of wanted) this.plan.drop(sha256)
    await Promise.all(
      wanted.map(async ([, w]) => {
        await w.opening?.catch(() => undefined)
        await w.temp?.close()
      }),
    )
  }

  isWanted(sha256: string): boolean {
    return this.wanted.has(sha256)
  }

  addLink(id: string, link: FetchLink): void {
    this.links.set(id, link)
  }

  removeLink(id: string): void {
    this.links.delete(id)
    this.answered.delete(id)
    this.perLink.delete(id)
    this.plan.removePeer(id, (sha256) => this.wanted.get(sha256)?.temp?.size)
    this.pump()
  }

  setPresence(id: string, presence: PeerPresence): void {
    this.plan.setPresence(id, presence)
    this.pump()
  }

  present(id: string, sha256: string): void {
    this.plan.present(id, sha256)
    this.pump()
  }

  /** Sends every request the plan allows now; called whenever something may have freed a slot. */
  pump(): void {
    for (const request of this.plan.next(this.o.now())) {
      const link = this.links.get(request.peer)
      if (!link) continue
      const [start, length] = request.range
      const message: DirectoryMessage = {
        type: 'directory.get',
        sha256: request.sha256,
        range: { start: BigInt(start), length: BigInt(length) },
      }
      link.send(directoryBody(message)).catch(() => undefined)
    }
  }

  /** A `directory.data` response: its payload goes to the temporary file, hashed on the way. */
  async data(
    id: string,
    sha256: string,
    range: ByteRange | undefined,
    payload: AsyncIterable<Uint8Array> | null,
  ): Promise<void> {
    const start = range ? Number(range.start) : 0
    const asked = range ? start : undefined
    const order = this.plan.answerFor(id, sha256, asked)
    const wanted = this.wanted.get(sha256)
    // Every answer settles a request: only the one the file waits for is written (an answer
    // whose payload is left unread is skipped by the link).
    if (order !== 'next' || !wanted || !payload) {
      if (order === 'stale') this.plan.staleAnswered(id, sha256, asked)
      if (order === 'later') {
        this.o.log(
          'info',
          `peer ${id} answered pieces of ${sha256.slice(0, 12)} out of order: asking one at a time`,
        )
        this.plan.outOfOrder(id, sha256, start)
      }
      if (order === 'unexpected') {
        this.o.log('warn', `peer ${id} sent ${sha256.slice(0, 12)} from ${start}, which was not asked for`)
        this.plan.failed(id, sha256, this.o.now(), start)
      }
      if (order === 'next' && !wanted) {
        // No longer wanted (then the plan should not hold it either): this answer is stale.
        this.plan.drop(sha256)
        this.plan.staleAnswered(id, sha256, asked)
      } else if (order === 'next') this.plan.failed(id, sha256, this.o.now(), asked)
      this.pump()
      if (payload) await this.unused(payload)
      return
    }
    const size = Number(wanted.value.size)
    if (
      wanted.fresh &&
      wanted.opening === undefined &&
      size <= IN_MEMORY_MAX_BYTES &&
      Number(range?.start ?? 0n) === 0
    ) {
      return this.dataInMemory(
        id,
        sha256,
        wanted,
        Math.min(range ? Number(range.length) : size, size),
        payload,
      )
    }
    const answering = this.appendAnswer(id, sha256, wanted, start, asked, range, payload, wanted.answering)
    wanted.answering = answering.catch(() => undefined)
    return answering
  }

  /**
   * Writes an answer to the file's temporary file. A file no longer wanted (its record changed
   * meanwhile) is written no further; its answer still settles its request.
   *
   * `before` is the file's previous answer: it is finished first. A peer that leaves mid-piece
   * may still have bytes on their way to the file when the next peer's answer, asked for from
   * where the file then ended, arrives; where that answer starts is only known once they are in.
   */
  private async appendAnswer(
    id: string,
    sha256: string,
    wanted: Wanted,
    start: number,
    asked: number | undefined,
    range: ByteRange | undefined,
    payload: AsyncIterable<Uint8Array>,
    before: Promise<void> | undefined,
  ): Promise<void> {
    const stillWanted = (): boolean => this.wanted.get(sha256) === wanted
    const size = Number(wanted.value.size)
    await this.open(wanted)
    await before
    const temp = wanted.temp
    if (!stillWanted()) return this.droppedAnswer(id, sha256, asked, payload)
    if (!temp || start > temp.size) {
      this.o.log(
        'warn',
        `data for ${sha256.slice(0, 12)} at ${start} does not continue the partial file (${temp?.size ?? 0} bytes): ignored`,
      )
      this.plan.failed(id, sha256, this.o.now(), asked)
      this.pump()
      return
    }
    // A connection dropped in the middle of a piece leaves its first bytes in the temporary file,
    // and the piece is asked for again from its start: those bytes are skipped, not written twice.
    let skip = temp.size - start
    // Never more than the file holds from `start`, whatever range the answer claims: a peer that
    // claims a huge range would otherwise fill the disk (or memory) before the hash fails.
    const limit = Math.min(range ? Number(range.length) : size, size - start)
    let length = 0
    // Chunks are written in batches of APPEND_BATCH_BYTES (a transport hands over 16-64 KiB at a
    // time: a write each was 60,000 writes per GiB), hashed as they are written, so the hash and
    // the temporary file always hold the same bytes; a batch cut off by a dropped link is simply
    // fetched again from the file's end. One batch is written while the next one arrives (the
    // disk and the link each wait less), and none is left in flight when this answer is done. A
    // file that gathers appends itself (`TempFile.gathers`) is given each chunk as it comes: joining
    // them first was a copy and a 1 MiB buffer more per MiB.
    let batch: Uint8Array[] = []
    let batched = 0
    let writing: Promise<void> = Promise.resolve()
    const append = async (): Promise<void> => {
      const data = batch.length === 1 ? batch[0]! : concatBytes(batch)
      batch = []
      batched = 0
      await writing
      writing = this.write(wanted, data)
      writing.catch(() => {}) // awaited before the next batch or in `finally`
    }
    try {
      for await (const received of payload) {
        if (!stillWanted()) {
          // The rest is of no use: as `unused`, through the download limit, or left to be skipped.
          if (!this.o.download) break
          await this.o.download.take(received.byteLength)
          continue
        }
        length += received.byteLength
        if (!(await this.take(id, sha256, received.byteLength, length, limit))) return
        const chunk = skip > 0 ? received.subarray(Math.min(skip, received.byteLength)) : received
        skip -= received.byteLength - chunk.byteLength
        if (chunk.byteLength === 0) continue
        batch.push(chunk)
        batched += chunk.byteLength
        if (batched >= APPEND_BATCH_BYTES || temp.gathers === true) await append()
      }
      if (batched > 0 && stillWanted()) await append()
    } finally {
      await writing
    }
    if (!stillWanted()) return this.droppedAnswer(id, sha256, asked)
    const outcome = this.plan.received(id, sha256, length, this.o.now(), asked, start)
    // Placing the file waits on the disk; the link goes on reading the next responses meanwhile.
    if (outcome === 'done')
      void this.finish(sha256, wanted, id).catch((err: unknown) =>
        this.o.log('warn', `placing ${sha256.slice(0, 12)} failed: ${(err as Error).message}`),
      )
    this.pump()
  }

  /** An answer for a file dropped while it came: it settles its request, now a stale one. */
  private async droppedAnswer(
    id: string,
    sha256: string,
    asked: number | undefined,
    payload?: AsyncIterable<Uint8Array>,
  ): Promise<void> {
    this.plan.staleAnswered(id, sha256, asked)
    this.pump()
    if (payload) await this.unused(payload)
  }

  /**
   * Reads a payload that is of no use through the download limit: left unread, the link would
   * skip it at full speed, and a person who set a limit would see it ignored (up to a piece, 16
   * MiB, each time a file changes while it comes).
   */
  private async unused(payload: AsyncIterable<Uint8Array>): Promise<void> {
    if (!this.o.download) return
    for await (const chunk of payload) await this.o.download.take(chunk.byteLength)
  }

  /**
   * Counts a chunk of `bytes` in, `length` so far of a response of at most `limit`, and waits for
   * the download limit; false (the link is closed) when the peer sent more than asked for.
   */
  private async take(
    id: string,
    sha256: string,
    bytes: number,
    length: number,
    limit: number,
  ): Promise<boolean> {
    if (length > limit) {
      this.links.get(id)?.close(`directory.data for ${sha256} sent more than the ${limit} bytes asked for`)
      return false
    }
    this.received.add(bytes, this.o.now())
    this.meters(id).received.add(bytes, this.o.now())
    // Waiting here leaves the rest unread on the link: the sender is held back by back-pressure.
    await this.o.download?.take(bytes)
    return true
  }

  /**
   * A small file's whole content: gathered in memory, then written, verified and placed off the
   * link (`IN_MEMORY_MAX_BYTES`). A short answer is written at once, and the rest is asked for
   * from where it stopped, as for any file.
   */
  private async dataInMemory(
    id: string,
    sha256: string,
    wanted: Wanted,
    limit: number,
    payload: AsyncIterable<Uint8Array>,
  ): Promise<void> {
    const parts: Uint8Array[] = []
    let length = 0
    for await (const received of payload) {
      length += received.byteLength
      if (!(await this.take(id, sha256, received.byteLength, length, limit))) return
      parts.push(received)
    }
    const data = parts.length === 1 ? parts[0]! : concatBytes(parts)
    // An answer the plan no longer waits for (a misbehaving peer's) is dropped, not written.
    const outcome = this.plan.received(id, sha256, length, this.o.now(), 0)
    if (outcome === 'more') await this.write(wanted, data)
    if (outcome === 'done') {
      await this.unwritten.take()
      const writing = this.write(wanted, data)
        .then(() => this.finish(sha256, wanted, id))
        .catch((err: unknown) =>
          this.o.log('warn', `placing ${sha256.slice(0, 12)} failed: ${(err as Error).message}`),
        )
        .finally(() => {
          this.writing.delete(writing)
          this.unwritten.release()
        })
      this.writing.add(writing)
    }
    this.pump()
  }

  /** Appends bytes that arrived to the file's temporary file, hashed on the way. */
  private async write(wanted: Wanted, data: Uint8Array): Promise<void> {
    await this.open(wanted)
    if (data.byteLength === 0 || !wanted.temp) return
    wanted.hasher?.update(data)
    await wanted.temp.append(data)
  }

  notPresent(id: string, sha256: string): void {
    this.plan.notPresent(id, sha256)
    this.pump()
  }

  getError(id: string, sha256: string, message: string): void {
    this.o.log('warn', `peer ${id} cannot send ${sha256.slice(0, 12)}: ${message}`)
    this.plan.getError(id, sha256, this.o.now())
    this.pump()
  }

  /** Answers `directory.get` from the local folder, or `not_present`. Never waits for the send. */
  serve(link: FetchLink & { readonly id: string }, sha256: string, range: ByteRange | undefined): void {
    const path = this.o.state.pathWith(sha256)
    const known = path === undefined ? undefined : this.o.state.get(path)
    const local = path === undefined ? undefined : this.o.selection.toLocal(path)
    const notPresent = directoryBody({ type: 'directory.not_present', sha256 })
    if (!known || local === undefined) {
      void link.send(notPresent).catch(() => undefined)
      return
    }
    const start = Math.min(Number(range?.start ?? 0n), known.size)
    const length = Math.min(range ? Number(range.length) : known.size, known.size - start)
    const body = directoryBody({
      type: 'directory.data',
      sha256,
      range: { start: BigInt(start), length: BigInt(length) },
    })
    const failed = (err: unknown): void =>
      this.o.log('warn', `sending ${path} failed: ${(err as Error).message}`)
    // Read ahead (small answers, within the budget): handed to the link once in memory, so a file
    // that cannot be read now (changed or removed since the scan) is answered `not_present`
    // rather than with a payload broken halfway.
    const ahead = length <= IN_MEMORY_MAX_BYTES && this.readAhead + length <= MAX_READ_AHEAD_BYTES
    if (ahead) this.readAhead += length
    const reading = ahead ? collectChunks(this.o.store.read(local, { start, length })) : undefined
    reading?.catch(() => undefined) // awaited below, maybe only after it failed
    // Answers go out in the order they were asked for (a peer may pipeline pieces of one file):
    // each is handed to the link once the one before it was.
    const previous = this.answered.get(link.id) ?? Promise.resolve()
    const handed = previous.then(async () => {
      if (!reading) {
        link.send(body, this.countedOut(link.id, this.o.store.read(local, { start, length }))).catch(failed)
        return
      }
      try {
        const chunks = await reading
        link
          .send(body, this.countedOut(link.id, chunks))
          .catch(failed)
          .finally(() => (this.readAhead -= length))
      } catch (err) {
        this.readAhead -= length
        this.o.log('warn', `cannot read ${path} for a peer: ${(err as Error).message}`)
        link.send(notPresent).catch(failed)
      }
    })
    this.answered.set(link.id, handed)
  }

  /** File data on its way out, counted and held to the upload limit chunk by chunk. */
  private countedOut(
    id: string,
    read: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  ): AsyncIterable<Uint8Array> {
    const sent = this.sent
    const linkSent = this.meters(id).sent
    const now = this.o.now
    const upload = this.o.upload
    async function* counted(): AsyncIterable<Uint8Array> {
      for await (const chunk of read) {
        await upload?.take(chunk.byteLength)
        sent.add(chunk.byteLength, now())
        linkSent.add(chunk.byteLength, now())
        yield chunk
      }
    }
    return counted()
  }

  /**
   * Where a transfer starts: the size of a temporary file left by an interrupted one. The file is
   * closed again until data arrives, so thousands of wanted files do not hold thousands of handles.
   */
  private async resumeOffset(wanted: Wanted): Promise<number> {
    const [first] = wanted.targets.keys()
    const local = first === undefined ? undefined : this.o.selection.toLocal(first)
    if (local === undefined) return 0
    const temp = await this.o.store.openTemp(local, wanted.value.sha256)
    const size = temp.size
    await temp.close()
    return size
  }

  private open(wanted: Wanted): Promise<void> {
    wanted.opening ??= (async () => {
      const [first] = wanted.targets.keys()
      const local = first === undefined ? undefined : this.o.selection.toLocal(first)
      if (local === undefined) return
      const temp = await this.o.store.openTemp(local, wanted.value.sha256, { fresh: wanted.fresh })
      const hasher = await this.o.createHasher()
      if (wanted.fresh && temp.size > 0) await temp.truncate(0)
      // A partial file from before a restart: hash what is there, then continue after it.
      else for await (const chunk of temp.read()) hasher.update(chunk)
      wanted.temp = temp
      wanted.hasher = hasher
    })()
    return wanted.opening
  }

  private async finish(sha256: string, wanted: Wanted, from?: string): Promise<void> {
    const temp = wanted.temp
    const digest = wanted.hasher?.digestHex()
    this.wanted.delete(sha256)
    if (!temp) return
    if (digest !== sha256) {
      this.o.log(
        'warn',
        `content from ${from ?? 'a partial file'} did not match SHA-256 ${sha256.slice(0, 12)} (got ${digest?.slice(0, 12)}): fetching again`,
      )
      await temp.truncate(0)
      await temp.close()
      if (from) this.plan.corrupt(from, sha256, Number(wanted.value.size), this.o.now())
      wanted.temp = undefined
      wanted.hasher = undefined
      wanted.opening = undefined
      this.wanted.set(sha256, wanted)
      if (!from) this.plan.want([{ sha256, size: Number(wanted.value.size) }])
      return
    }
    for (const path of wanted.targets.keys()) if (this.byPath.get(path) === sha256) this.byPath.delete(path)
    await this.o.fetched(sha256, temp, wanted.targets, from)
  }
}

async function collectChunks(read: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = []
  for await (const chunk of read) chunks.push(chunk)
  return chunks
}
