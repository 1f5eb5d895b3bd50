/**
 * The upload and download rate limits (directory.md, "Computer Resources": "Software should
 * implement rate limiting, as sync is intended as something that will run in the background"):
 * a token bucket shared by every share and link of the engine. Bytes already sent or received are
 * paid for afterwards, so a chunk larger than the bucket passes and the next one waits for the
 * debt to be repaid: the average holds to the limit, however large the chunks.
 */
import type { Throttle } from '../protocol/directory/fetcher'

/** How much a quiet bucket saves up: a quarter of a second at the limit. */
const BURST_SECONDS = 0.25

export class TokenBucket implements Throttle {
  private bytesPerSecond = 0
  private tokens = 0
  private last: number
  /** Takers wait one after another, in order. */
  private queue: Promise<void> = Promise.resolve()

  constructor(
    private readonly now: () => number,
    bytesPerSecond = 0,
  ) {
    this.last = now()
    this.setRate(bytesPerSecond)
  }

  /** 0 means no limit. */
  get rate(): number {
    return this.bytesPerSecond
  }

  setRate(bytesPerSecond: number): void {
    if (!Number.isFinite(bytesPerSecond) || bytesPerSecond < 0)
      throw new RangeError(
        `a rate limit is a number of bytes per second from 0 (none) up, got ${bytesPerSecond}`,
      )
    this.refill()
    this.bytesPerSecond = bytesPerSecond
    this.tokens = Math.min(this.tokens, bytesPerSecond * BURST_SECONDS)
  }

  /** Resolves once `bytes` may go (at once when there is no limit). */
  take(bytes: number): Promise<void> {
    if (this.bytesPerSecond === 0) return Promise.resolve()
    const run = this.queue.then(async () => {
      this.refill()
      this.tokens -= bytes
      if (this.tokens < 0 && this.bytesPerSecond > 0) await sleep((-this.tokens / this.bytesPerSecond) * 1000)
    })
    this.queue = run
    return run
  }

  private refill(): void {
    const now = this.now()
    const elapsedS = Math.max(0, now - this.last) / 1000
    this.last = now
    if (this.bytesPerSecond > 0)
      this.tokens = Math.min(
        this.bytesPerSecond * BURST_SECONDS,
        this.tokens + elapsedS * this.bytesPerSecond,
      )
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
