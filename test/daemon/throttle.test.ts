import { describe, expect, it } from 'vitest'
import { SourceRateLimiter } from '../../daemon/auth-limiter'
import { RateLimit } from '../../daemon/throttle'

describe('RateLimit', () => {
  it('holds the average rate, letting a burst through at once', async () => {
    const limit = new RateLimit(1_000_000)
    const started = Date.now()
    for (let i = 0; i < 10; i++) await limit.take(50_000)
    const elapsedMs = Date.now() - started
    // 500 kB at 1 MB/s, less the quarter-second burst the bucket does not hold yet at first.
    expect(elapsedMs).toBeGreaterThanOrEqual(400)
    expect(elapsedMs).toBeLessThan(2_000)
  })

  it('costs nothing at 0 (no limit)', async () => {
    const limit = new RateLimit(0)
    const started = Date.now()
    for (let i = 0; i < 1000; i++) await limit.take(1_000_000)
    expect(Date.now() - started).toBeLessThan(200)
  })
})

describe('SourceRateLimiter', () => {
  it('refuses a host after ten failures within a minute, from any port, and forgives after', () => {
    let now = 0
    const limiter = new SourceRateLimiter(() => now)
    const from = (port: number) => ({ source: `tcp:10.0.0.1:${port}`, username: 'clearskies:1:ab' })
    for (let i = 0; i < 10; i++) {
      expect(limiter.allow(from(1000 + i))).toBe(true)
      limiter.report(from(1000 + i), false)
    }
    expect(limiter.allow(from(2000))).toBe(false)
    expect(limiter.allow({ source: 'tcp:10.0.0.2:1000', username: 'x' })).toBe(true)
    limiter.report(from(3000), true) // successes cost nothing
    now += 61_000
    expect(limiter.allow(from(2000))).toBe(true)
  })
})
