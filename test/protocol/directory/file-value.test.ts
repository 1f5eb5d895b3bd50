import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  FileValueError,
  parseFileValue,
  parseUnixMode,
  serializeFileValue,
} from '../../../src/protocol/directory/file-value'
import type { JsonObject, JsonValue } from '../../../src/protocol/wire/json-value'

const SHA = 'c16987a16bc7f7dd45e341b855171e8d5c6577a70febd408fbe6d2a194c18224'

describe('parseFileValue', () => {
  it('reads a file with every known field', () => {
    const { value, warnings } = parseFileValue({
      size: 12,
      sha256: SHA,
      mtime: '2014-02-23T23:45:39.123456789Z',
      unix_mode: 644,
      conflict_source: '9223bf8014507dca629123485dc3a207',
    })
    expect(warnings).toEqual([])
    expect(value).toEqual({
      kind: 'file',
      size: 12n,
      sha256: SHA,
      mtime: 1393199139123456789n,
      unixMode: 0o644,
      conflictSource: '9223bf8014507dca629123485dc3a207',
      extra: {},
    })
  })

  it('reads a directory (size and sha256 null)', () => {
    expect(parseFileValue({ size: null, sha256: null }).value.kind).toBe('directory')
  })

  it('accepts sizes as number or bigint, up to 2^63-1', () => {
    const big = (1n << 63n) - 1n
    const value = parseFileValue({ size: big, sha256: SHA }).value
    expect(value.kind === 'file' && value.size).toBe(big)
    expect(serializeFileValue(value).size).toBe(big)
    expect(serializeFileValue(parseFileValue({ size: 5n, sha256: SHA }).value).size).toBe(5)
  })

  it.each<[string, JsonValue]>([
    ['not an object', [1]],
    ['missing size', { sha256: SHA }],
    ['negative size', { size: -1, sha256: SHA }],
    ['fractional size', { size: 1.5, sha256: SHA }],
    ['unsafe number size', { size: 2 ** 60, sha256: SHA }],
    ['size over 64 bits', { size: 1n << 63n, sha256: SHA }],
    ['string size', { size: '12', sha256: SHA }],
    ['upper-case sha256', { size: 1, sha256: SHA.toUpperCase() }],
    ['short sha256', { size: 1, sha256: SHA.slice(1) }],
    ['only size null', { size: null, sha256: SHA }],
    ['only sha256 null', { size: 1, sha256: null }],
  ])('refuses %s', (_name, json) => {
    expect(() => parseFileValue(json)).toThrow(FileValueError)
  })

  it('keeps a malformed optional field raw, with a warning, rather than refusing the file', () => {
    const { value, warnings } = parseFileValue({ size: 1, sha256: SHA, mtime: 'yesterday', unix_mode: 420 })
    expect(value.mtime).toBeUndefined()
    expect(value.unixMode).toBe(0o420)
    expect(warnings).toHaveLength(1)
    expect(serializeFileValue(value)).toMatchObject({ mtime: 'yesterday' })
    const bad = parseFileValue({ size: 1, sha256: SHA, unix_mode: 689 })
    expect(bad.warnings[0]).toContain('unix_mode')
    expect(serializeFileValue(bad.value).unix_mode).toBe(689)
  })

  it('keeps "__proto__" as a plain field', () => {
    const json = JSON.parse(`{"size":1,"sha256":"${SHA}","__proto__":{"polluted":true}}`) as JsonObject
    const out = serializeFileValue(parseFileValue(json).value)
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
    expect(Object.keys(out)).toContain('__proto__')
  })
})

describe('unix_mode', () => {
  it.each<[JsonValue, number]>([
    [644, 0o644],
    [755, 0o755],
    [4755, 0o4755],
    [0, 0],
    ['0600', 0o600],
    ['0o644', 0o644],
  ])('%s -> %o', (raw, mode) => {
    expect(parseUnixMode(raw)).toBe(mode)
  })

  // 493 is 0o755 written in decimal by a peer that read the draft the other way: refused, not guessed.
  it.each<[JsonValue]>([[493], [-1], [17777], ['rw-r--r--'], [6.44]])('refuses %s', (raw) => {
    expect(() => parseUnixMode(raw)).toThrow(FileValueError)
  })

  it('is written as the octal digits', () => {
    expect(
      serializeFileValue(parseFileValue({ size: null, sha256: null, unix_mode: '0755' }).value).unix_mode,
    ).toBe(755)
  })
})

const jsonLeaf = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.bigInt(), fc.string())
const jsonValue: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    jsonLeaf,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.string(), tie('value'), { maxKeys: 3 }),
  ),
})).value
const KNOWN = new Set(['size', 'sha256', 'mtime', 'unix_mode', 'conflict_source'])
const extraFields = fc.dictionary(
  fc.string().filter((key) => !KNOWN.has(key)),
  jsonValue,
  { maxKeys: 6 },
)
const sha = fc.stringMatching(/^[0-9a-f]{64}$/u)

describe('round trip', () => {
  it('preserves every unknown field and every known value (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({ size: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }), sha256: sha }),
          fc.constant({ size: null, sha256: null }),
        ),
        fc.option(fc.bigInt({ min: 0n, max: 253402300799n * 1_000_000_000n }), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 0o7777 }), { nil: undefined }),
        extraFields,
        (required, mtime, mode, extra) => {
          const json: JsonObject = { ...extra, ...required }
          if (mtime !== undefined) json.mtime = new Date(Number(mtime / 1_000_000n)).toISOString()
          if (mode !== undefined) json.unix_mode = Number(mode.toString(8))
          const first = parseFileValue(json).value
          const again = parseFileValue(serializeFileValue(first)).value
          expect(again).toEqual(first)
          expect(first.extra).toEqual(extra)
          expect(serializeFileValue(first)).toEqual(serializeFileValue(again))
        },
      ),
      { numRuns: 300 },
    )
  })
})
