import { describe, expect, test } from 'vitest'
import { formatTimestamp, parseTimestamp } from '../../../src/protocol/wire'

describe('timestamps', () => {
  test('a year from 0000 to 0099 is that year, not 1900 to 1999 (Go writes its zero time as 0001-01-01)', () => {
    expect(formatTimestamp(parseTimestamp('0001-01-01T00:00:00Z'))).toBe('0001-01-01T00:00:00.000000000Z')
    expect(parseTimestamp('0001-01-01T00:00:00Z')).toBe(-62135596800n * 1_000_000_000n)
    expect(formatTimestamp(parseTimestamp('0099-12-31T23:59:59.5+01:00'))).toBe(
      '0099-12-31T22:59:59.500000000Z',
    )
  })
})
