import { describe, expect, it } from 'vitest'
import { buildTree, excludedPaths } from '../../src/ui/file-tree-model'

const file = (path: string, present = true) => ({
  path,
  kind: 'file' as const,
  size: 10,
  present,
  conflict: false,
})
const dir = (path: string) => ({ path, kind: 'directory' as const, size: 0, present: true, conflict: false })

describe('buildTree', () => {
  it('nests files under their folders, folders first, with sizes and queued counts', () => {
    const tree = buildTree(
      [file('/b.txt'), dir('/Fotos'), file('/Fotos/x.png', false), file('/Fotos/Old/y.png'), file('/a.txt')],
      false,
    )
    expect(tree.map((n) => n.name)).toEqual(['Fotos', 'a.txt', 'b.txt'])
    const fotos = tree[0]!
    expect(fotos).toMatchObject({ path: '/Fotos', size: 20, waiting: 1 })
    expect(fotos.children.map((n) => [n.name, n.state])).toEqual([
      ['Old', 'synced'],
      ['x.png', 'waiting'],
    ])
  })
})

describe('file states', () => {
  it('tells arriving, queued, paused, skipped and conflict files apart', () => {
    const files = [
      { ...file('/a.bin', false), received: 40 },
      file('/b.bin', false),
      file('/Old/c.bin', false),
      { ...file('/d (CONFLICT abc).txt'), conflict: true },
    ]
    const states = (paused: boolean) =>
      buildTree(files, paused, ['/Old']).flatMap((n) =>
        n.kind === 'file'
          ? [[n.name, n.state, n.received]]
          : n.children.map((c) => [c.name, c.state, c.received]),
      )
    expect(states(false)).toEqual([
      ['c.bin', 'skipped', undefined],
      ['a.bin', 'downloading', 40],
      ['b.bin', 'waiting', undefined],
      ['d (CONFLICT abc).txt', 'conflict', undefined],
    ])
    expect(states(true).map(([name, state]) => `${name} ${state}`)).toContain('a.bin paused')
  })
})

describe('excludedPaths', () => {
  const tree = buildTree(
    [file('/a.txt'), file('/Fotos/x.png'), file('/Fotos/Old/y.png'), file('/Fotos/Old/z.png')],
    false,
  )

  it('names a folder once when all its files are skipped, files one by one otherwise', () => {
    expect(excludedPaths(tree, new Set())).toEqual([])
    expect(excludedPaths(tree, new Set(['/Fotos/Old/y.png', '/Fotos/Old/z.png']))).toEqual(['/Fotos/Old'])
    expect(excludedPaths(tree, new Set(['/Fotos/Old/y.png', '/Fotos/Old/z.png', '/Fotos/x.png']))).toEqual([
      '/Fotos',
    ])
    expect(excludedPaths(tree, new Set(['/Fotos/Old/y.png', '/a.txt']))).toEqual([
      '/Fotos/Old/y.png',
      '/a.txt',
    ])
  })
})
