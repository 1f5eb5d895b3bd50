/** AttemptLimiter: failures per username and per source within a window, on an injected clock. */
import { describe, expect, it } from 'vitest'
import { AttemptLimiter } from '../../../src/protocol/tls/index'
import { errorOf, handshakePair, sessionOf } from './session-fixtures'

describe('AttemptLimiter', () => {
  it('refuses a username after maxFailures failures, until the window has passed', () => {
    let now = 0
    const limiter = new AttemptLimiter({ maxFailures: 3, windowMs: 1000, now: () => now })
    const attempt = (source: string) => ({ source, username: 'clearskies:1:aa' })
    for (const source of ['a', 'b', 'c']) {
      expect(limiter.allow(attempt(source))).toBe(true)
      limiter.report(attempt(source), false)
    }
    expect(limiter.allow(attempt('d'))).toBe(false) // a fresh source does not help
    now = 1001
    expect(limiter.allow(attempt('d'))).toBe(true)
  })

  it('lets a username fail more often than a source when maxFailuresPerUsername says so', () => {
    const limiter = new AttemptLimiter({ maxFailures: 1, maxFailuresPerUsername: 3, now: () => 0 })
    const attempt = (source: string) => ({ source, username: 'clearskies:1:bb' })
    for (const source of ['a', 'b', 'c']) expect(limiter.allow(attempt(source))).toBe(true)
    expect(limiter.allow(attempt('d'))).toBe(false)
    expect(limiter.allow({ source: 'a', username: 'clearskies:1:cc' })).toBe(false) // source a is spent
  })

  it('refuses a source after maxFailures failures, whatever username it tries', () => {
    const limiter = new AttemptLimiter({ maxFailures: 2, now: () => 0 })
    expect(limiter.allow({ source: '192.0.2.7', username: 'u1' })).toBe(true)
    expect(limiter.allow({ source: '192.0.2.7', username: 'u2' })).toBe(true)
    expect(limiter.allow({ source: '192.0.2.7', username: 'u3' })).toBe(false)
    expect(limiter.allow({ source: '192.0.2.8', username: 'u3' })).toBe(true)
  })

  it('counts attempts in flight, and takes a success back', () => {
    const limiter = new AttemptLimiter({ maxFailures: 1, now: () => 0 })
    const a = { source: 's', username: 'u' }
    expect(limiter.allow(a)).toBe(true)
    expect(limiter.allow(a)).toBe(false) // the first is still in flight
    limiter.report(a, true)
    expect(limiter.allow(a)).toBe(true)
  })

  it('remembers at most maxKeys keys, forgetting the least recently used', () => {
    const limiter = new AttemptLimiter({ maxFailures: 1, maxKeys: 2, now: () => 0 })
    expect(limiter.allow({ source: undefined, username: 'a' })).toBe(true)
    expect(limiter.allow({ source: undefined, username: 'b' })).toBe(true)
    expect(limiter.allow({ source: undefined, username: 'c' })).toBe(true) // forgets a
    expect(limiter.allow({ source: undefined, username: 'a' })).toBe(true)
    expect(limiter.allow({ source: undefined, username: 'c' })).toBe(false)
  })

  it('stops a password guesser at the server with access_denied', async () => {
    const rateLimiter = new AttemptLimiter({ maxFailures: 2, now: () => 0 })
    for (let i = 0; i < 2; i++) {
      const { server } = await handshakePair(
        { password: `guess ${i}` },
        { rateLimiter, source: '198.51.100.1' },
      )
      expect(errorOf(server)).toMatchObject({ code: 'ERR_TLS_BAD_RECORD_MAC' })
    }
    const refused = await handshakePair({}, { rateLimiter, source: '198.51.100.1' })
    expect(errorOf(refused.client)).toMatchObject({ code: 'ERR_TLS_ALERT_RECEIVED', description: 49 })
    const elsewhere = await handshakePair({}, { rateLimiter: new AttemptLimiter(), source: '198.51.100.2' })
    sessionOf(elsewhere.client)
  })
})
