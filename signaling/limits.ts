/**
 * The two small counters behind the abuse limits: a token bucket per connection (messages per
 * second, with a burst) and a count of open connections per remote address.
 */
const MS_PER_SECOND = 1000

export class TokenBucket {
  private tokens: number
  private lastMs: number

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    nowMs: number,
  ) {
    this.tokens = burst
    this.lastMs = nowMs
  }

  /** Takes one token if there is one; false means the caller is over its rate. */
  take(nowMs: number): boolean {
    this.tokens = Math.min(
      this.burst,
      this.tokens + ((nowMs - this.lastMs) * this.ratePerSecond) / MS_PER_SECOND,
    )
    this.lastMs = nowMs
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}

export class AddressCounter {
  private readonly open = new Map<string, number>()

  constructor(private readonly maxPerAddress: number) {}

  /** Whether one more connection from `address` stays within the cap. */
  hasRoom(address: string): boolean {
    return (this.open.get(address) ?? 0) < this.maxPerAddress
  }

  /**
   * Counts a connection that was admitted with hasRoom(). Counting only established connections
   * means a WebSocket upgrade that fails after admission cannot leak a slot; concurrent upgrades
   * from one address can overshoot the cap by the few in flight.
   */
  acquire(address: string): void {
    this.open.set(address, (this.open.get(address) ?? 0) + 1)
  }

  release(address: string): void {
    const count = this.open.get(address) ?? 0
    if (count <= 1) this.open.delete(address)
    else this.open.set(address, count - 1)
  }
}
