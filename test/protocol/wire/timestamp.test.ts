import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { formatTimestamp, parseTimestamp, TimestampError } from '../../../src/protocol/wire'

const FIRST = parseTimestamp('0000-01-01T00:00:00Z')
const LAST = parseTimestamp('9999-12-31T23:59:59.999999999Z')
const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/

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

describe('the years the format can write (0000 to 9999)', () => {
  test('the first and the last instant are written as themselves', () => {
    expect(FIRST).toBe(-62_167_219_200n * 1_000_000_000n)
    expect(formatTimestamp(FIRST)).toBe('0000-01-01T00:00:00.000000000Z')
    expect(formatTimestamp(LAST)).toBe('9999-12-31T23:59:59.999999999Z')
  })

  test('formatting refuses a time outside them, naming it, instead of writing +010000-… or -000001-…', () => {
    expect(() => formatTimestamp(FIRST - 1n)).toThrow(
      /timestamp -62167219200000000001 ns since 1970-01-01T00:00:00Z is outside years 0000 to 9999/,
    )
    expect(() => formatTimestamp(LAST + 1n)).toThrow(/timestamp 253402300800000000000 ns .*outside years/)
    // Beyond what a Date holds, toISOString threw a bare RangeError.
    expect(() => formatTimestamp(10n ** 30n)).toThrow(TimestampError)
  })

  test('parsing refuses a time that an offset carries outside them', () => {
    expect(() => parseTimestamp('9999-12-31T23:59:59-00:01')).toThrow(/outside years 0000 to 9999 in UTC/)
    expect(() => parseTimestamp('0000-01-01T00:00:00+00:01')).toThrow(/outside years 0000 to 9999 in UTC/)
    expect(parseTimestamp('0000-01-01T00:00:00-00:01')).toBe(FIRST + 60n * 1_000_000_000n)
  })

  test('any time in them is written canonically and read back exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: FIRST, max: LAST }), (ns) => {
        const text = formatTimestamp(ns)
        expect(text).toMatch(CANONICAL)
        expect(parseTimestamp(text)).toBe(ns)
      }),
    )
  })

  test('any time outside them is refused with a TimestampError', () => {
    const outside = fc.oneof(
      fc.bigInt({ min: -(2n ** 80n), max: FIRST - 1n }),
      fc.bigInt({ min: LAST + 1n, max: 2n ** 80n }),
    )
    fc.assert(fc.property(outside, (ns) => void expect(() => formatTimestamp(ns)).toThrow(TimestampError)))
  })
})

describe('offsets', () => {
  test('RFC 3339 offsets up to ±23:59, with or without the colon, move the time by that much', () => {
    expect(parseTimestamp('2000-01-01T00:00:00+23:59')).toBe(parseTimestamp('1999-12-31T00:01:00Z'))
    expect(parseTimestamp('2000-01-01T00:00:00-2359')).toBe(parseTimestamp('2000-01-01T23:59:00Z'))
    expect(parseTimestamp('2000-01-01T00:00:00-00:00')).toBe(parseTimestamp('2000-01-01T00:00:00Z'))
  })

  test.each([
    ['+24:00', /offset \+24:00: hours must be at most 23/],
    ['+25:00', /offset \+25:00: hours must be at most 23/],
    ['-99:00', /offset -99:00: hours/],
    ['+05:60', /offset \+05:60: .*minutes at most 59/],
    ['-0575', /offset -0575: .*minutes at most 59/],
  ])('refuses the offset %s, naming it', (offset, refusal) => {
    expect(() => parseTimestamp(`2000-01-01T00:00:00${offset}`)).toThrow(refusal)
  })

  test('a time written with any allowed offset reads as the same instant', () => {
    const offsetMinutes = fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 })
    fc.assert(
      fc.property(fc.bigInt({ min: FIRST, max: LAST }), offsetMinutes, fc.boolean(), (ns, offset, colon) => {
        const local = ns + BigInt(offset) * 60n * 1_000_000_000n
        fc.pre(local >= FIRST && local <= LAST)
        const hh = String(Math.trunc(Math.abs(offset) / 60)).padStart(2, '0')
        const mm = String(Math.abs(offset) % 60).padStart(2, '0')
        const zone = `${offset < 0 ? '-' : '+'}${hh}${colon ? ':' : ''}${mm}`
        expect(parseTimestamp(formatTimestamp(local).replace('Z', zone))).toBe(ns)
      }),
    )
  })
})
