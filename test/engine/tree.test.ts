/**
 * issue 4, "Tests": two peers sync a tree both ways (nested and empty folders, empty, binary,
 * Unicode and space-laden names, a 200 MB file, 2,000 small files), then edits, deletes, renames
 * and moves on both sides; the trees end byte-identical.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  converge,
  fileHash,
  stopAndRemove,
  scan,
  shareAndJoin,
  startPeer,
  writeRandomFile,
  type TestPeer,
} from './peers'

const BIG_FILE_BYTES = 200 * 1024 * 1024
const SMALL_FILES = 2_000

const peers: TestPeer[] = []
afterAll(() => stopAndRemove(peers))

describe('two peers, a whole tree', () => {
  it('syncs a varied tree both ways, then edits, deletes, renames and moves on both sides', async () => {
    const a = await startPeer('alice')
    const b = await startPeer('bob')
    peers.push(a, b)
    await mkdir(join(a.folder, 'deep/er/still/deeper'), { recursive: true })
    await mkdir(join(a.folder, 'empty folder/empty child'), { recursive: true })
    await writeFile(join(a.folder, 'deep/er/still/deeper/leaf.txt'), 'leaf')
    await writeFile(join(a.folder, 'empty.txt'), '')
    await writeFile(join(a.folder, 'deep/empty too'), '')
    await writeFile(
      join(a.folder, 'binary.bin'),
      Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7919) & 0xff)),
    )
    await writeFile(join(a.folder, 'naïve résumé ☃ 日本語.txt'), 'unicode')
    await writeFile(join(a.folder, '  leading and trailing spaces  .txt'), 'spaces')
    await writeRandomFile(join(a.folder, 'big.bin'), BIG_FILE_BYTES, 42)
    for (let i = 0; i < SMALL_FILES; i++) {
      const dir = join(a.folder, 'many', `d${i % 20}`)
      if (i < 20) await mkdir(dir, { recursive: true })
      await writeFile(join(dir, `f${i}.txt`), `small file ${i}\n`.repeat(1 + (i % 5)))
    }
    const bigHash = await fileHash(join(a.folder, 'big.bin'))

    await shareAndJoin(a, b)
    const tree = await converge([a, b], 90_000)
    expect(tree.get('big.bin')).toBe(bigHash)
    expect(tree.get('empty folder/empty child/')).toBe('dir')
    expect([...tree.keys()].filter((k) => k.startsWith('many/') && !k.endsWith('/')).length).toBe(SMALL_FILES)

    // Bob adds his own files; Alice gets them.
    await mkdir(join(b.folder, 'from bob/sub'), { recursive: true })
    await writeFile(join(b.folder, 'from bob/sub/b.bin'), Buffer.alloc(10_000, 0xb0))
    await scan(b)
    await converge([a, b])

    // Both sides edit, delete, rename and move (different files, so nothing conflicts).
    await writeFile(join(a.folder, 'deep/er/still/deeper/leaf.txt'), 'leaf, edited by alice')
    await rm(join(a.folder, 'many/d3'), { recursive: true })
    await rename(join(a.folder, 'binary.bin'), join(a.folder, 'deep/binary renamed.bin'))
    await rename(
      join(a.folder, 'naïve résumé ☃ 日本語.txt'),
      join(a.folder, 'empty folder/naïve moved ☃.txt'),
    )
    await writeFile(join(b.folder, 'many/d7/f7.txt'), 'edited by bob')
    await rm(join(b.folder, 'empty.txt'))
    await rename(join(b.folder, 'big.bin'), join(b.folder, 'from bob/big moved.bin'))
    await rename(join(b.folder, 'many/d5'), join(b.folder, 'from bob/d5 moved'))
    await Promise.all([scan(a), scan(b)])
    const after = await converge([a, b], 60_000)
    expect(after.get('from bob/big moved.bin')).toBe(bigHash)
    expect(after.has('big.bin')).toBe(false)
    expect(after.has('many/d3/')).toBe(false)
    expect(after.has('empty.txt')).toBe(false)
    expect(after.has('from bob/d5 moved/f5.txt')).toBe(true)
    expect([...after.keys()].some((k) => k.includes('CONFLICT'))).toBe(false)
    // The 200 MB file was moved on Alice's side, not fetched again.
    expect(a.logs.some((l) => l.includes('moved /big.bin to /from bob/big moved.bin'))).toBe(true)
  }, 150_000)
})
