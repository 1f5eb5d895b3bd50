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

describe('leap seconds', () => {
  test('a real leap second (23:59:60 on the last day of a month) is read as the next day’s first second', () => {
    expect(formatTimestamp(parseTimestamp('2016-12-31T23:59:60.5Z'))).toBe('2017-01-01T00:00:00.500000000Z')
    expect(formatTimestamp(parseTimestamp('2015-06-30T23:59:60Z'))).toBe('2015-07-01T00:00:00.000000000Z')
  })

  test('a date that does not exist is still refused, whatever the time', () => {
    expect(() => parseTimestamp('2015-02-29T23:59:60Z')).toThrow(/does not exist/)
    expect(() => parseTimestamp('2015-06-31T00:00:00Z')).toThrow(/does not exist/)
    expect(() => parseTimestamp('2015-06-30T24:00:00Z')).toThrow(/does not exist/)
    expect(() => parseTimestamp('2015-06-30T23:59:61Z')).toThrow(/does not exist/)
  })
})
