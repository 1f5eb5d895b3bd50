import { describe, expect, it } from 'vitest'
import { accessCodeLink, cryptoRandom, generateAccessCode, parseAccessCode } from '../../src/protocol/access'
import { codeFromHash, shareFromRoute } from '../../src/app/share-link'

const CODE = 'SYNCAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'

describe('codeFromHash', () => {
  it('reads a share link, the protocol handler and shared text; ignores the app routes', () => {
    expect(codeFromHash(`#${CODE}`)).toBe(CODE)
    expect(codeFromHash(`#${encodeURIComponent(`web+clearskies:${CODE}`)}`)).toBe(CODE)
    expect(codeFromHash(`#${encodeURIComponent(`web+clearskies://${CODE}`)}`)).toBe(CODE)
    expect(
      codeFromHash(`#${encodeURIComponent(`Join my photos: https://example.org/#${CODE.toLowerCase()}`)}`),
    ).toBe(CODE.toLowerCase())
    expect(codeFromHash('#SYNC ABCD-EFGH IJKL MNOP QRST UVWX YZ23 4567')).toBe(
      'SYNC ABCD-EFGH IJKL MNOP QRST UVWX YZ23 4567',
    )
    expect(codeFromHash('#/share/Holiday')).toBeUndefined()
    expect(codeFromHash('')).toBeUndefined()
    expect(codeFromHash('#%E0%A4%A')).toBeUndefined()
  })

  it('hands parseAccessCode a code it accepts, from every form', () => {
    const code = generateAccessCode(cryptoRandom)
    for (const hash of [
      `#${code.text}`,
      `#${encodeURIComponent(`web+clearskies:${code.text}`)}`,
      `#${encodeURIComponent(accessCodeLink(code, 'https://example.org/'))}`,
    ]) {
      expect(parseAccessCode(codeFromHash(hash)!).text).toBe(code.text)
    }
  })
})

describe('shareFromRoute', () => {
  it('reads a share name, and gives none for an escape cut short instead of throwing', () => {
    expect(shareFromRoute(encodeURIComponent('Fotos 2024 ü'))).toBe('Fotos 2024 ü')
    // decodeURIComponent throws URIError here, which stopped the app's page from starting at all.
    expect(shareFromRoute('Fotos%E0')).toBeUndefined()
    expect(shareFromRoute('%')).toBeUndefined()
  })
})
