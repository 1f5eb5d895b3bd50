import { describe, expect, it } from 'vitest'
import {
  archivedOriginal,
  archiveSlot,
  matchesExpected,
  tempName,
} from '../../../src/protocol/directory/file-store'

const SHA = 'c16987a16bc7f7dd45e341b855171e8d5c6577a70febd408fbe6d2a194c18224'

describe('tempName', () => {
  it('is hidden, beside the target, tagged with the content, and ends in .!clearsky', () => {
    expect(tempName('photo.jpg', SHA)).toBe('.photo.jpg.c16987a1.!clearsky')
  })

  it('fits 255 bytes however long the name', () => {
    const name = tempName('é'.repeat(127), SHA)
    expect(new TextEncoder().encode(name).byteLength).toBeLessThanOrEqual(255)
    expect(name.endsWith('.c16987a1.!clearsky')).toBe(true)
  })

  it('refuses a tag that is not a SHA-256', () => {
    expect(() => tempName('x', '../../etc/passwd')).toThrow(TypeError)
  })
})

describe('archiveSlot', () => {
  it('mirrors the path under the archive, then numbers the name before its extension', () => {
    expect(archiveSlot('/a/b.txt', 1)).toEqual({ dir: '/.clearskies-archive/a', name: 'b.txt' })
    expect(archiveSlot('/a/b.txt', 3)).toEqual({ dir: '/.clearskies-archive/a', name: 'b~3.txt' })
    expect(archiveSlot('/Makefile', 2)).toEqual({ dir: '/.clearskies-archive', name: 'Makefile~2' })
  })

  it('archivedOriginal reads each slot back to the path it was kept for', () => {
    for (const local of ['/a/b.txt', '/Makefile', '/x/y/z.tar.gz', '/notes~2.txt/in.md']) {
      for (const attempt of [1, 2, 10, 12]) {
        const { dir, name } = archiveSlot(local, attempt)
        expect(archivedOriginal(`${dir}/${name}`)).toBe(local)
      }
    }
    expect(archivedOriginal('/elsewhere/b.txt')).toBeUndefined()
  })
})

describe('matchesExpected', () => {
  const file = { kind: 'file', size: 3, mtimeNs: 5n } as const
  it.each([
    [{ kind: 'any' } as const, null, true],
    [{ kind: 'absent' } as const, null, true],
    [{ kind: 'absent' } as const, file, false],
    [{ kind: 'file', size: 3, mtimeNs: 5n } as const, file, true],
    [{ kind: 'file', size: 3, mtimeNs: 6n } as const, file, false],
    [{ kind: 'file', size: 4, mtimeNs: 5n } as const, file, false],
    [{ kind: 'directory' } as const, file, false],
    [{ kind: 'directory' } as const, { kind: 'directory', size: 0, mtimeNs: 1n } as const, true],
  ])('case %#', (expected, actual, result) => {
    expect(matchesExpected(actual, expected)).toBe(result)
  })
})
