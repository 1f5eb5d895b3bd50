import { describe, expect, it } from 'vitest'
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
