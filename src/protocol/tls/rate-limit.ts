import type { TlsAttempt, TlsRateLimiter } from './server-handshake'

/**
 * A ready-made TlsRateLimiter (core.md: "Authentication attempts should be rate limited to avoid
 * dictionary attacks"): refuses a source, or a username, that has failed `maxFailures` times in the
 * last `windowMs`. Counting usernames as well as sources stops an attacker who spreads guesses
 * over many addresses; an attempt still in flight counts as a failure until it succeeds, so a burst
 * of parallel guesses is refused too. Memory is bounded by forgetting the oldest keys.
 */
export interface AttemptLimiterOptions {
  /** Failures a source may have in the window. */
  readonly maxFailures?: number
  /**
   * Failures a username may have in the window, from all sources together (default: maxFailures).
   * A share's key ID is public, so a low figure lets anyone lock its peers out; a higher one
   * still slows guessing spread over many addresses.
   */
  readonly maxFailuresPerUsername?: number
  readonly windowMs?: number
  /** Milliseconds; injected so tests need not wait. */
  readonly now?: () => number
  /** How many sources and usernames are remembered at most. */
  readonly maxKeys?: number
}

const DEFAULT_MAX_FAILURES = 10
const DEFAULT_WINDOW_MS = 60_000
const DEFAULT_MAX_KEYS = 10_000

export class AttemptLimiter implements TlsRateLimiter {
  private readonly failures = new Map<string, number[]>()
  private readonly maxFailures: number
  private readonly maxFailuresPerUsername: number
  private readonly windowMs: number
  private readonly now: () => number
  private readonly maxKeys: number

  constructor(options: AttemptLimiterOptions = {}) {
    this.maxFailures = options.maxFailures ?? DEFAULT_MAX_FAILURES
    this.maxFailuresPerUsername = options.maxFailuresPerUsername ?? this.maxFailures
    this.windowMs = options.windowMs ?? DEFAULT_WINDOW_MS
    this.now = options.now ?? (() => Date.now())
    this.maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS
  }

  allow(attempt: TlsAttempt): boolean {
    const keys = keysOf(attempt)
    if (
      keys.some(
        (k) =>
          this.recent(k).length >=
          (k.startsWith(USER_PREFIX) ? this.maxFailuresPerUsername : this.maxFailures),
      )
    )
      return false
    // Counted now, taken back on success: parallel attempts cannot outrun the count.
    for (const k of keys) this.record(k)
    return true
  }

  report(attempt: TlsAttempt, succeeded: boolean): void {
    if (!succeeded) return
    for (const k of keysOf(attempt)) this.recent(k).pop()
  }

  private recent(key: string): number[] {
    const cutoff = this.now() - this.windowMs
    const times = (this.failures.get(key) ?? []).filter((t) => t > cutoff)
    // Re-inserted, so the map's order stays that of last use (see record).
    this.failures.delete(key)
    if (times.length > 0) this.failures.set(key, times)
    return times
  }

  private record(key: string): void {
    if (this.failures.size >= this.maxKeys && !this.failures.has(key)) {
      // Maps iterate in insertion order: the first key is the one used longest ago.
      const oldest = this.failures.keys().next().value
      if (oldest !== undefined) this.failures.delete(oldest)
    }
    const times = this.recent(key)
    times.push(this.now())
    this.failures.set(key, times)
  }
}

const USER_PREFIX = 'user:'

function keysOf(attempt: TlsAttempt): string[] {
  const keys = [`${USER_PREFIX}${attempt.username}`]
  if (attempt.source !== undefined) keys.push(`source:${attempt.source}`)
  return keys
}
