import { describe, expect, it } from 'vitest'
import { directoryBody, parseDirectoryMessage } from '../../../src/protocol/directory/messages'
import type { JsonObject } from '../../../src/protocol/wire/json-value'

const SHA = 'ceab2535bac962a9c9ec8a8ba98145fdb11bb077eaa05d87088688f7524dcb47'

describe('directory.md examples', () => {
  it.each<[JsonObject, unknown]>([
    [{ type: 'directory.get_presence' }, { type: 'directory.get_presence' }],
    [
      { type: 'directory.bloom_filter', k_value: 3 },
      { type: 'directory.bloom_filter', kValue: 3 },
    ],
    [
      {
        type: 'directory.present',
        sha256: 'db5accb08247a6697dc110b3bc540ed3fafea720e81ab3287a279cbcd1390906',
      },
      {
        type: 'directory.present',
        sha256: 'db5accb08247a6697dc110b3bc540ed3fafea720e81ab3287a279cbcd1390906',
      },
    ],
    [
      { type: 'directory.get', sha256: SHA, range: [0, 100000] },
      { type: 'directory.get', sha256: SHA, range: { start: 0n, length: 100000n } },
    ],
    [
      { type: 'directory.data', sha256: SHA, range: [0, 100000] },
      { type: 'directory.data', sha256: SHA, range: { start: 0n, length: 100000n } },
    ],
    [
      { type: 'directory.not_present', sha256: SHA },
      { type: 'directory.not_present', sha256: SHA },
    ],
    [
      { type: 'directory.get_error', sha256: SHA, message: 'Permission denied' },
      { type: 'directory.get_error', sha256: SHA, message: 'Permission denied' },
    ],
  ])('%j', (body, parsed) => {
    expect(parseDirectoryMessage(body)).toEqual(parsed)
    expect(directoryBody(parseDirectoryMessage(body)!)).toEqual(body)
  })

  it('keeps ranges past 2^53 exact', () => {
    const body = { type: 'directory.get', sha256: SHA, range: [2n ** 60n, 5] }
    const parsed = parseDirectoryMessage(body)
    expect(parsed).toEqual({ type: 'directory.get', sha256: SHA, range: { start: 2n ** 60n, length: 5n } })
    expect(directoryBody(parsed!)).toEqual(body)
  })

  it('leaves types it does not define to others', () => {
    expect(parseDirectoryMessage({ type: 'database.update' })).toBeUndefined()
  })

  it.each<[JsonObject, RegExp]>([
    [{ type: 'directory.get', sha256: 'ABC' }, /field "sha256" must match/],
    [{ type: 'directory.get', sha256: SHA, range: [0] }, /field "range" must be \[start, length\]/],
    [{ type: 'directory.get', sha256: SHA, range: [-1, 5] }, /field "range\[0\]" must be an integer from 0/],
    [{ type: 'directory.bloom_filter', k_value: 9 }, /field "k_value" must be within \[0, 8\]/],
    [{ type: 'directory.present' }, /field "sha256" must be a string, got missing/],
  ])('rejects %j', (body, error) => {
    expect(() => parseDirectoryMessage(body)).toThrow(error)
  })
})
