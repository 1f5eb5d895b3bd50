import { describe, expect, it } from 'vitest'
import {
  conflictName,
  conflictPath,
  isConflictName,
  randomAlphanumeric,
  type RandomBytes,
} from '../../../src/protocol/directory/conflict-name'
import { parseSharePath } from '../../../src/protocol/directory/share-path'

/** Bytes 0, 1, 2, ... : the alphabet in order, "abcdefgh". */
const counting: RandomBytes = (length) => Uint8Array.from({ length }, (_, i) => i)

describe('conflictName (directory.md, "Conflicts")', () => {
  it.each([
    ['foo.txt', 'foo.CONFLICT.abcdefgh.txt'],
    ['Makefile', 'Makefile.CONFLICT.abcdefgh'],
    ['.bashrc', '.bashrc.CONFLICT.abcdefgh'],
    ['.config.json', '.config.CONFLICT.abcdefgh.json'],
    ['a.tar.gz', 'a.tar.CONFLICT.abcdefgh.gz'],
    ['foo.CONFLICT.zz99zz99.txt', 'foo.CONFLICT.abcdefgh.txt'],
    ['Makefile.CONFLICT.zz99zz99', 'Makefile.CONFLICT.abcdefgh'],
    ['trailing.', 'trailing.CONFLICT.abcdefgh.'],
  ])('%s -> %s', (name, expected) => {
    expect(conflictName(name, counting)).toBe(expected)
  })

  it('keeps the result within 255 bytes by shortening the stem', () => {
    const name = conflictName(`${'é'.repeat(120)}.txt`, counting)
    expect(new TextEncoder().encode(name).byteLength).toBeLessThanOrEqual(255)
    expect(name.endsWith('.CONFLICT.abcdefgh.txt')).toBe(true)
    const longExtension = conflictName(`a.${'x'.repeat(250)}`, counting)
    expect(new TextEncoder().encode(longExtension).byteLength).toBeLessThanOrEqual(255)
    expect(longExtension.endsWith('.CONFLICT.abcdefgh')).toBe(true)
  })

  it('draws unbiased lower-case alphanumerics, skipping bytes at or above 252', () => {
    const bytes = [255, 252, 35, 36, 251, 0, 1, 2, 3, 4, 5]
    let at = 0
    const random: RandomBytes = (length) => Uint8Array.from({ length }, () => bytes[at++ % bytes.length] ?? 0)
    expect(randomAlphanumeric(random)).toBe('9a9abcde')
    const real: RandomBytes = (length) => crypto.getRandomValues(new Uint8Array(length))
    expect(randomAlphanumeric(real)).toMatch(/^[a-z0-9]{8}$/u)
  })

  it('puts the loser beside the original and recognises conflict names', () => {
    expect(conflictPath(parseSharePath('/docs/report.pdf'), counting)).toBe(
      '/docs/report.CONFLICT.abcdefgh.pdf',
    )
    expect(isConflictName('report.CONFLICT.abcdefgh.pdf')).toBe(true)
    expect(isConflictName('Makefile.CONFLICT.abcdefgh')).toBe(true)
    expect(isConflictName('report.pdf')).toBe(false)
  })
})
