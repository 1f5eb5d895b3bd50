/**
 * Rate limiting of TLS-SRP attempts per source host (issue 5: "authentication attempts are
 * rate-limited per source address"). Guessing an access code online must be hopeless: after
 * MAX_FAILURES failed handshakes from one host within the window, that host is refused until the
 * window has passed. Successes cost nothing, so a busy honest peer is never locked out.
 */
import type { TlsAttempt, TlsRateLimiter } from '../src/protocol/tls'

const MAX_FAILURES = 10
const WINDOW_MS = 60_000
/** Bounds the table under a flood of sources; the oldest entries go first. */
const MAX_SOURCES = 10_000

/** `tcp:1.2.3.4:5555` or `tcp:[::1]:5555` to its host: a peer may use any source port. */
function hostOf(source: string | undefined): string {
  return (source ?? '').replace(/^tcp:/, '').replace(/:\d+$/, '')
}

export class SourceRateLimiter implements TlsRateLimiter {
  private readonly failures = new Map<string, number[]>()

  constructor(private readonly now: () => number = Date.now) {}

  allow(attempt: TlsAttempt): boolean {
    return this.recent(hostOf(attempt.source)).length < MAX_FAILURES
  }

  report(attempt: TlsAttempt, succeeded: boolean): void {
    if (succeeded) return
    const host = hostOf(attempt.source)
    const times = this.recent(host)
    times.push(this.now())
    this.failures.delete(host) // re-inserted last: Map order is the eviction order
    this.failures.set(host, times)
    if (this.failures.size > MAX_SOURCES) this.failures.delete(this.failures.keys().next().value as string)
  }

  private recent(host: string): number[] {
    const since = this.now() - WINDOW_MS
    const times = (this.failures.get(host) ?? []).filter((t) => t > since)
    if (times.length === 0) this.failures.delete(host)
    return times
  }
}
