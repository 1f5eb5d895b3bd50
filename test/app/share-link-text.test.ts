import { describe, expect, it } from 'vitest'
import { cryptoRandom, generateAccessCode, parseAccessCode } from '../../src/protocol/access'
import { codeFromHash } from '../../src/app/share-link'

describe('codeFromHash with words around the code', () => {
  it('finds the code in text another app shared, whatever comes before or after it', () => {
    const code = generateAccessCode(cryptoRandom)
    const link = `https://example.org/#${code.text}`
    for (const shared of [
      `${code.text} see you tomorrow`,
      `Join my photos: ${link} - thanks`,
      `Let's sync our holiday photos from 2024 together: ${code.text}`,
      `Lets sync our holiday photos from twenty twenty four: ${code.text.slice(0, 4)} ${code.text.slice(4, 12)}-${code.text.slice(12)} bye`,
    ]) {
      const found = codeFromHash(`#${encodeURIComponent(shared)}`)
      expect(found, shared).toBeDefined()
      expect(parseAccessCode(found!).text, shared).toBe(code.text)
    }
  })

  it('still hands over a mistyped code whole, so the join dialog says what is wrong with it', () => {
    expect(codeFromHash('#SYNC ABCD-EFGH IJKL MNOP QRST UVWX YZ23 4567')).toBe(
      'SYNC ABCD-EFGH IJKL MNOP QRST UVWX YZ23 4567',
    )
  })
})
