import { mkdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { eventually, startPeer, treeOf, type TestPeer } from './peers'

let peers: TestPeer[] = []

afterEach(async () => {
  for (const p of peers) await p.stop()
  peers = []
})

// The old folder's deletion arrives while it still holds the file being moved out of it; once the
// move has emptied it, it must go too (it used to stay behind, empty, on the receiving side).
it('a renamed folder leaves no empty copy of its old name behind', async () => {
  const a = await startPeer('alice')
  const b = await startPeer('bob')
  peers.push(a, b)
  await mkdir(join(a.folder, 'docs/deep'), { recursive: true })
  await writeFile(join(a.folder, 'docs/readme.txt'), 'hello')
  await writeFile(join(a.folder, 'docs/deep/big.bin'), Buffer.alloc(100_000, 3))
  await (await a.engine.createShare(a.folder)).scan()
  const { code } = await a.engine.createAccessCode(a.folder, 'read_write')
  await b.engine.addShare(code, b.folder, [a.address])
  await eventually(async () => expect(await treeOf(b.folder)).toEqual(await treeOf(a.folder)))

  await rename(join(a.folder, 'docs'), join(a.folder, 'papers'))
  await a.engine.share(a.folder).scan()
  await eventually(async () => expect(await treeOf(b.folder)).toEqual(await treeOf(a.folder)))
  expect([...(await treeOf(b.folder)).keys()].sort()).toEqual([
    'papers/',
    'papers/deep/',
    'papers/deep/big.bin',
    'papers/readme.txt',
  ])
})
