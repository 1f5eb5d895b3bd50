/** Lossless JSON: 64-bit integers exact, every other number a double, nothing JSON cannot print. */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { JsonError, type JsonValue, parseJson, stringifyJson } from '../../../src/protocol/wire'

describe('lossless JSON', () => {
  it.each([
    ['9007199254740991', 9007199254740991],
    ['9007199254740992', 9007199254740992n],
    ['-9007199254740993', -9007199254740993n],
    ['18446744073709551615', 18446744073709551615n],
    ['1.5', 1.5],
    ['1e21', 1e21],
    ['0', 0],
  ])('%s parses to %s', (text, value) => {
    expect(parseJson(text)).toBe(value)
  })

  it('prints bigints as plain digits, so they parse back to the same value', () => {
    const value = { size: 2n ** 64n - 1n, list: [-(2n ** 63n)], ok: true, s: 'é' }
    const text = stringifyJson(value)
    expect(text).toBe('{"size":18446744073709551615,"list":[-9223372036854775808],"ok":true,"s":"é"}')
    expect(parseJson(text)).toEqual(value)
  })

  it('a double that is an integer beyond 2^53 prints exactly and comes back as the bigint of the same value', () => {
    expect(stringifyJson(2 ** 60)).toBe('1152921504606846976')
    expect(parseJson(stringifyJson(2 ** 60))).toBe(2n ** 60n)
  })

  it('refuses numbers beyond a double', () => {
    expect(() => parseJson('1e400')).toThrow(JsonError)
    expect(() => parseJson('[-1E+308, 1e999]')).toThrow(/beyond the range of a double/)
  })

  it('takes the last of duplicate keys, on the native and on the lossless path alike', () => {
    expect(parseJson('{"a":1,"a":2}')).toEqual({ a: 2 })
    expect(parseJson('{"a":1,"a":12345678901234567890}')).toEqual({ a: 12345678901234567890n })
    expect(parseJson('{"a":12345678901234567890,"a":2}')).toEqual({ a: 2 })
  })

  it('the native path and the lossless path agree wherever both apply (property, seed printed on failure)', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        // A 16-digit neighbour sends the same text down the lossless path.
        const lossless = parseJson(`[${text},1234567890123456]`) as JsonValue[]
        expect(parseJson(text)).toEqual(lossless[0])
      }),
      { numRuns: 500 },
    )
  })

  it('finds every long number wherever a value may start, whatever the whitespace', () => {
    const big = 18446744073709551615n
    for (const text of [
      `${big}`,
      ` \n\t${big}`,
      `[1,\n ${big}]`,
      `{"a" :\t${big}}`,
      `[[-${big}]]`,
      `{"e":"x","n": ${big}}`,
    ]) {
      expect(
        JSON.stringify(parseJson(text), (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)),
      ).toContain(`${big}n`)
    }
    expect(() => parseJson('{"a": [ 2.5e400 ]}')).toThrow(JsonError)
    // Digit runs and exponent-like text inside strings (hex, as in every SHA-256) change nothing.
    expect(parseJson('{"sha256":"0c1047542543557737e123","n":1}')).toEqual({
      sha256: '0c1047542543557737e123',
      n: 1,
    })
  })

  it('keeps "__proto__" as an ordinary key, never as the object’s prototype', () => {
    const value = parseJson('{"__proto__":{"polluted":true}}') as Record<string, unknown>
    expect(Object.keys(value)).toEqual(['__proto__'])
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
  })
})
