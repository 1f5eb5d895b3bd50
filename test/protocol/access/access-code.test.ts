/** Access codes: the format, the check character against every single typo, and the forms people paste. */
import { describe, expect, it } from 'vitest'
import {
  ACCESS_CODE_CHARS,
  AccessErrorCode,
  accessCodeFromBytes,
  accessCodeLink,
  accessCodeUrl,
  generateAccessCode,
  parseAccessCode,
} from '../../../src/protocol/access'
import { BASE32_ALPHABET, decodeBase32, encodeBase32 } from '../../../src/protocol/access/base32'
import { luhn32CheckCharacter } from '../../../src/protocol/access/luhn32'

/** Fixed codes (and their bytes) so failures are reproducible; the last ones are extremes. */
const SAMPLE_BYTES = [
  Uint8Array.from({ length: 16 }, (_, i) => i),
  Uint8Array.from({ length: 16 }, (_, i) => (i * 37 + 11) & 0xff),
  Uint8Array.from({ length: 16 }, (_, i) => (i * 101 + 200) & 0xff),
  new Uint8Array(16),
  new Uint8Array(16).fill(0xff),
]
const SAMPLES = SAMPLE_BYTES.map(accessCodeFromBytes)

describe('base32 and Luhn mod 32', () => {
  it('RFC 4648 section 10 test vectors (those without padding)', () => {
    expect(encodeBase32(new TextEncoder().encode('fooba'))).toBe('MZXW6YTB')
    expect(encodeBase32(new TextEncoder().encode(''))).toBe('')
    expect(new TextDecoder().decode(decodeBase32('MZXW6YTB')!)).toBe('fooba')
    expect(decodeBase32('MZXW6YT')).toBeNull()
    expect(decodeBase32('MZXW6YT1')).toBeNull()
  })

  it('Luhn mod N on a worked example: the check makes the whole string sum to 0 mod 32', () => {
    // By hand, from the right: C(2)*2=4, B(1)*1=1, A(0)*2=0 → 5; (32 - 5) % 32 = 27 → '3'.
    expect(luhn32CheckCharacter('ABC')).toBe(BASE32_ALPHABET[27])
  })
})

describe('access codes', () => {
  it('are 33 characters, start with SYNC, and carry their 16 bytes', () => {
    for (const [i, code] of SAMPLES.entries()) {
      expect(code.text).toHaveLength(ACCESS_CODE_CHARS)
      expect(code.text.startsWith('SYNC')).toBe(true)
      expect(code.text).toMatch(/^[A-Z2-7]{33}$/)
      expect(parseAccessCode(code.text).bytes).toEqual(SAMPLE_BYTES[i])
    }
  })

  it('come from the injected random source, 16 bytes at a time', () => {
    const asked: number[] = []
    const code = generateAccessCode((n) => {
      asked.push(n)
      return new Uint8Array(n).fill(7)
    })
    expect(asked).toEqual([16])
    expect(code.bytes).toEqual(new Uint8Array(16).fill(7))
    expect(generateAccessCode().text).not.toBe(generateAccessCode().text)
  })

  it('every single-character typo (each position × each other base32 character) is caught', () => {
    let tried = 0
    for (const code of SAMPLES) {
      for (let at = 0; at < code.text.length; at++) {
        for (const typo of BASE32_ALPHABET) {
          if (typo === code.text[at]) continue
          const mistyped = code.text.slice(0, at) + typo + code.text.slice(at + 1)
          expect(() => parseAccessCode(mistyped), `${mistyped} (position ${at + 1})`).toThrow(
            expect.objectContaining({ code: expect.stringMatching(/^ERR_ACCESS_CODE_(CHECK|PREFIX)$/) }),
          )
          tried++
        }
      }
    }
    expect(tried).toBe(SAMPLES.length * 33 * 31)
  })

  it('every swap of two adjacent different characters is caught too, except where Luhn mod N cannot', () => {
    // Luhn mod N misses a swap only of two characters whose doubled values are congruent; count them.
    let missed = 0
    for (const code of SAMPLES) {
      for (let at = 0; at + 1 < code.text.length; at++) {
        if (code.text[at] === code.text[at + 1]) continue
        const swapped = code.text.slice(0, at) + code.text[at + 1] + code.text[at] + code.text.slice(at + 2)
        try {
          parseAccessCode(swapped)
          missed++
        } catch {
          // caught
        }
      }
    }
    expect(missed).toBeLessThanOrEqual(SAMPLES.length * 2)
  })
})

describe('reading codes as people paste them', () => {
  const code = SAMPLES[1]!
  const grouped = code.text.match(/.{1,4}/g)!.join('-')

  it.each([
    ['lower case', code.text.toLowerCase()],
    ['spaces', code.text.match(/.{1,4}/g)!.join(' ')],
    ['dashes', grouped],
    ['leading and trailing whitespace', `  ${code.text}\n`],
    ['clearskies:// URL', accessCodeUrl(code)],
    ['clearskies:// URL of another extension, grouped', `clearskies://database/${grouped}`],
    ['the web app link', accessCodeLink(code, 'https://sync.example.org/app/')],
    [
      'the web app link with a percent-encoded, spaced code',
      `http://localhost:5173/#${encodeURIComponent(code.text.match(/.{1,4}/g)!.join(' '))}`,
    ],
  ])('%s', (_name, input) => {
    expect(parseAccessCode(input).text).toBe(code.text)
  })

  it('reads every 0 as O, and a 1 as whichever of I or L passes the check', () => {
    let ones = 0
    for (const sample of SAMPLES) {
      const zeros = sample.text.replaceAll('O', '0')
      for (let at = 0; at < zeros.length; at++) {
        if (zeros[at] !== 'I' && zeros[at] !== 'L') continue
        expect(parseAccessCode(`${zeros.slice(0, at)}1${zeros.slice(at + 1)}`).text).toBe(sample.text)
        ones++
      }
    }
    expect(ones).toBeGreaterThan(3)
  })

  it('several 1s give the right code or "ambiguous", never another code', () => {
    const outcomes = new Set<string>()
    for (let seed = 0; seed < 200; seed++) {
      const code = accessCodeFromBytes(
        Uint8Array.from({ length: 16 }, (_, i) => (seed * 7919 + i * 104729) % 256),
      )
      const confused = code.text.replace(/[IL]/g, '1')
      const ones = confused.split('1').length - 1
      if (ones < 2 || ones > 6) continue
      try {
        expect(parseAccessCode(confused).text).toBe(code.text)
        outcomes.add('right')
      } catch (err) {
        expect(err).toMatchObject({ code: AccessErrorCode.CodeAmbiguous })
        outcomes.add('ambiguous')
      }
    }
    expect(outcomes).toEqual(new Set(['right', 'ambiguous']))
  })

  it.each([
    ['too short', 'SYNC', AccessErrorCode.CodeLength],
    ['too long', `${SAMPLES[0]!.text}A`, AccessErrorCode.CodeLength],
    [
      'a character outside base32',
      `${SAMPLES[0]!.text.slice(0, 10)}8${SAMPLES[0]!.text.slice(11)}`,
      AccessErrorCode.CodeCharacter,
    ],
    ['a web link without a fragment', 'https://sync.example.org/app/', AccessErrorCode.CodeLink],
    ['a bad percent-encoding', 'https://sync.example.org/#SYNC%zz', AccessErrorCode.CodeLink],
    [
      'base32 that passes the check but lacks the prefix',
      (() => {
        const body = 'A'.repeat(32)
        return body + luhn32CheckCharacter(body)
      })(),
      AccessErrorCode.CodePrefix,
    ],
  ])('refuses %s', (_name, input, code) => {
    expect(() => parseAccessCode(input)).toThrow(expect.objectContaining({ code }))
  })
})
