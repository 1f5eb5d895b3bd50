import { describe, expect, test } from 'vitest'
import { FieldReader } from '../../../src/protocol/wire/fields'
import { parseJson } from '../../../src/protocol/wire/json'
import type { JsonObject } from '../../../src/protocol/wire'

const reader = (text: string): FieldReader => new FieldReader(parseJson(text) as JsonObject, 'file')

describe('FieldReader.uint64', () => {
  test('refuses a number written with an exponent or a fraction that is 2^64 or more', () => {
    for (const text of ['1e30', '1.8446744073709551616e19', '18446744073709551616.0']) {
      expect(() => reader(`{"size":${text}}`).uint64('size')).toThrow(/from 0 to 2\^64-1/)
    }
  })

  test('takes every integer from 0 to 2^64-1 however it is written', () => {
    expect(reader('{"size":1e19}').uint64('size')).toBe(10n ** 19n)
    expect(reader('{"size":18446744073709551615}').uint64('size')).toBe(2n ** 64n - 1n)
    expect(reader('{"size":0}').uint64('size')).toBe(0n)
    expect(() => reader('{"size":18446744073709551616}').uint64('size')).toThrow(/from 0 to 2\^64-1/)
    expect(() => reader('{"size":-1}').uint64('size')).toThrow(/from 0 to 2\^64-1/)
  })
})
