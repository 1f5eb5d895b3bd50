import { describe, expect, it } from 'vitest'
import { IgnoreRules, isAlwaysIgnored, Selection } from '../../../src/protocol/directory/ignore'
import { parseSharePath } from '../../../src/protocol/directory/share-path'

const p = parseSharePath
const FILE = false
const DIR = true

describe('IgnoreRules', () => {
  const rules = IgnoreRules.parse(
    [
      '# build output',
      '*.tmp',
      'build/',
      '/root-only',
      'docs/*.pdf',
      'logs/**',
      '**/cache/*.bin',
      'a?c',
      '',
      'x[1].txt',
    ].join('\n'),
  )

  it.each<[string, boolean, boolean]>([
    ['/x.tmp', FILE, true],
    ['/deep/er/x.tmp', FILE, true],
    ['/x.tmp.keep', FILE, false],
    ['/build', DIR, true],
    ['/build', FILE, false],
    ['/src/build', DIR, true],
    ['/build/out/a.o', FILE, true],
    ['/root-only', FILE, true],
    ['/root-only/child', FILE, true],
    ['/sub/root-only', FILE, false],
    ['/docs/a.pdf', FILE, true],
    ['/docs/sub/a.pdf', FILE, false],
    ['/other/docs/a.pdf', FILE, false],
    ['/logs/2026/11/x.log', FILE, true],
    ['/cache/a.bin', FILE, true],
    ['/p/q/cache/a.bin', FILE, true],
    ['/p/q/cache/sub/a.bin', FILE, false],
    ['/abc', FILE, true],
    ['/a/c', FILE, false],
    ['/x[1].txt', FILE, true],
    ['/x1.txt', FILE, false],
    ['/# build output', FILE, false],
    ['/plain.txt', FILE, false],
  ])('%s (directory: %s) ignored: %s', (path, isDirectory, ignored) => {
    expect(rules.ignores(path, isDirectory)).toBe(ignored)
  })

  it('never ignores the root, even with "*"', () => {
    expect(new IgnoreRules(['*']).ignores('/', true)).toBe(false)
    expect(new IgnoreRules(['*']).ignores('/a', false)).toBe(true)
  })

  it('ignores nothing without patterns', () => {
    expect(new IgnoreRules().ignores('/x.tmp', FILE)).toBe(false)
  })
})

describe('always ignored', () => {
  it.each<[string, boolean]>([
    ['/.a.txt.c16987a1.!clearsky', true],
    ['/dir/.big.iso.00000000.!clearsky', true],
    ['/.clearskies-archive', true],
    ['/.clearskies-archive/old.txt', true],
    ['/sub/.clearskies-archive/x', false],
    ['/a.txt', false],
  ])('%s: %s', (path, ignored) => {
    expect(isAlwaysIgnored(p(path))).toBe(ignored)
  })
})

describe('Selection', () => {
  it('syncs everything by default except our own files', () => {
    const all = new Selection()
    expect(all.includes(p('/a/b.txt'), FILE)).toBe(true)
    expect(all.includes(p('/.clearskies-archive/b.txt'), FILE)).toBe(false)
    expect(all.toLocal(p('/a'))).toBe('/a')
  })

  it('subtree copy: only below the subtree, which is the local root', () => {
    const photos = new Selection({ subtree: p('/photos'), ignore: new IgnoreRules(['/raw/']) })
    expect(photos.includes(p('/photos/a.jpg'), FILE)).toBe(true)
    expect(photos.includes(p('/photos'), DIR)).toBe(true)
    expect(photos.includes(p('/photosynthesis.txt'), FILE)).toBe(false)
    expect(photos.includes(p('/docs/a.txt'), FILE)).toBe(false)
    expect(photos.includes(p('/'), DIR)).toBe(false)
    expect(photos.includes(p('/photos/raw/a.cr2'), FILE)).toBe(false)
    expect(photos.toLocal(p('/photos/a.jpg'))).toBe('/a.jpg')
    expect(photos.toLocal(p('/photos'))).toBe('/')
    expect(photos.toLocal(p('/docs'))).toBeUndefined()
    expect(photos.toShare(p('/a.jpg'))).toBe('/photos/a.jpg')
    expect(photos.toShare(p('/'))).toBe('/photos')
  })

  it('partial copy: excluded files and folders are not synced', () => {
    const partial = new Selection({
      excluded: [p('/videos'), p('/big.iso')],
      ignore: new IgnoreRules(['*.tmp']),
    })
    expect(partial.includes(p('/videos'), DIR)).toBe(false)
    expect(partial.includes(p('/videos/a.mp4'), FILE)).toBe(false)
    expect(partial.includes(p('/videos2/a.mp4'), FILE)).toBe(true)
    expect(partial.includes(p('/big.iso'), FILE)).toBe(false)
    expect(partial.includes(p('/notes.tmp'), FILE)).toBe(false)
    expect(partial.includes(p('/notes.txt'), FILE)).toBe(true)
  })
})
