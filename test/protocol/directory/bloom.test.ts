import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  bloomBits,
  BloomError,
  bloomSize,
  CountingBloomFilter,
  NOTHING_PRESENT,
  PresenceFilter,
  PROBE_EVERYTHING,
  TARGET_FALSE_POSITIVE_RATE,
} from '../../../src/protocol/directory/bloom'

const DRAFT_SHA = 'c16987a16bc7f7dd45e341b855171e8d5c6577a70febd408fbe6d2a194c18224'
const sha = (label: string): string => createHash('sha256').update(label).digest('hex')

describe('bloom bits (directory.md, "File Presence")', () => {
  it("matches the draft's example: 1000 bits, k = 2", () => {
    expect(bloomBits(DRAFT_SHA, 2, 1000)).toEqual([0xc16987a1 % 1000, 0x6bc7f7dd % 1000])
    expect(bloomBits(DRAFT_SHA, 2, 1000)).toEqual([689, 229])
  })

  it('takes the i-th big-endian 32-bit word for the i-th bit, up to k = 8', () => {
    const words = [
      0xc16987a1, 0x6bc7f7dd, 0x45e341b8, 0x55171e8d, 0x5c6577a7, 0x0febd408, 0xfbe6d2a1, 0x94c18224,
    ]
    expect(bloomBits(DRAFT_SHA, 8, 2 ** 32 - 1)).toEqual(words.map((w) => w % (2 ** 32 - 1)))
  })

  it('sets bit i in byte i >> 3 under mask 1 << (i & 7)', () => {
    const filter = new CountingBloomFilter(125, 2)
    filter.add(DRAFT_SHA)
    const bytes = filter.toAttachment()
    expect(bytes).toHaveLength(125)
    expect(bytes[689 >> 3]).toBe(1 << (689 & 7))
    expect(bytes[229 >> 3]).toBe(1 << (229 & 7))
    expect(bytes.reduce((n, b) => n + (b === 0 ? 0 : 1), 0)).toBe(2)
    const presence = PresenceFilter.fromMessage(2, bytes)
    expect(presence.mayHave(DRAFT_SHA)).toBe(true)
  })

  it('refuses k outside 1..8 and bad attachments', () => {
    for (const k of [0, 9, 1.5, '3', null])
      expect(() => PresenceFilter.fromMessage(k, new Uint8Array(8))).toThrow(BloomError)
    expect(() => PresenceFilter.fromMessage(3, new Uint8Array(0))).toThrow(BloomError)
    expect(() => PresenceFilter.fromMessage(3, new Uint8Array(16 * 1024 * 1024 + 1))).toThrow(BloomError)
    expect(() => bloomBits('xyz', 1, 8)).toThrow(BloomError)
  })
})

describe('special values', () => {
  it('0xff probes for everything, 0x00 has nothing', () => {
    const all = PresenceFilter.fromMessage(1, PROBE_EVERYTHING)
    const none = PresenceFilter.fromMessage(1, NOTHING_PRESENT)
    expect(all.probesEverything).toBe(true)
    for (let i = 0; i < 50; i++) {
      expect(all.mayHave(sha(`x${i}`))).toBe(true)
      expect(none.mayHave(sha(`x${i}`))).toBe(false)
    }
  })

  it('an empty counting filter is sent as 0x00, a real one is never a single byte', () => {
    const filter = CountingBloomFilter.forFiles(0)
    expect(filter.toAttachment()).toEqual(NOTHING_PRESENT)
    filter.add(sha('one'))
    expect(filter.toAttachment().byteLength).toBeGreaterThanOrEqual(8)
  })
})

describe('sizing and the false-positive rate', () => {
  it('picks about 9.6 bits per file and k = 7 at 1%', () => {
    expect(bloomSize(10_000)).toEqual({ bytes: Math.ceil(Math.ceil(10_000 * 9.585) / 8), k: 7 })
    expect(bloomSize(1).k).toBeLessThanOrEqual(8)
    expect(bloomSize(1e9).bytes).toBe(16 * 1024 * 1024)
  })

  it('measures close to the target rate for 10,000 files', () => {
    const files = 10_000
    const filter = CountingBloomFilter.forFiles(files)
    for (let i = 0; i < files; i++) filter.add(sha(`present ${i}`))
    const presence = PresenceFilter.fromMessage(filter.k, filter.toAttachment())
    for (let i = 0; i < files; i++) expect(presence.mayHave(sha(`present ${i}`))).toBe(true)
    const probes = 20_000
    let falsePositives = 0
    for (let i = 0; i < probes; i++) if (presence.mayHave(sha(`absent ${i}`))) falsePositives++
    const rate = falsePositives / probes
    console.log(
      `bloom: ${filter.bytes} bytes, k=${filter.k}, false-positive rate ${(rate * 100).toFixed(2)}% for ${files} files`,
    )
    expect(rate).toBeLessThan(TARGET_FALSE_POSITIVE_RATE * 1.5)
  })

  it('counting filter removes what it added, with no false negatives for the rest', () => {
    const filter = new CountingBloomFilter(64, 4)
    const shas = Array.from({ length: 100 }, (_, i) => sha(`f${i}`))
    for (const s of shas) filter.add(s)
    for (const s of shas.slice(0, 50)) filter.remove(s)
    expect(filter.size).toBe(50)
    const presence = PresenceFilter.fromMessage(4, filter.toAttachment())
    for (const s of shas.slice(50)) expect(presence.mayHave(s)).toBe(true)
    for (const s of shas.slice(50)) filter.remove(s)
    expect(filter.toAttachment()).toEqual(NOTHING_PRESENT)
  })
})
