/**
 * A token bucket: the bandwidth limit one browser peer's relays share, both directions counted.
 * `take` never refuses; it says how long the caller should hold off so the average stays under the
 * rate, which the relay turns into back-pressure (a paused socket, a `pause` to the browser).
 */
export class RateLimiter {
  private tokens: number
  private lastMs: number

  /** `bytesPerSecond` 0 means unlimited; the bucket holds one second's worth. */
  constructor(
    private readonly bytesPerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = bytesPerSecond
    this.lastMs = now()
  }

  /** Spends `bytes`; returns the milliseconds to wait before moving more (0: go on). */
  take(bytes: number): number {
    if (this.bytesPerSecond === 0) return 0
    const now = this.now()
    this.tokens = Math.min(
      this.bytesPerSecond,
      this.tokens + ((now - this.lastMs) * this.bytesPerSecond) / 1000,
    )
    this.lastMs = now
    this.tokens -= bytes
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.bytesPerSecond)
  }
}
