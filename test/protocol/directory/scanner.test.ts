import { mkdir, mkdtemp, rename, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { FileStore, ListedEntry } from '../../../src/protocol/directory/file-store'
import type { HasherFactory } from '../../../src/protocol/directory/hasher'
import { IgnoreRules, Selection } from '../../../src/protocol/directory/ignore'
import {
  scan,
  ScanError,
  type ChangeBatch,
  type KnownEntry,
  type ScanOptions,
  type ScanProgress,
} from '../../../src/protocol/directory/scanner'
import type { SharePath } from '../../../src/protocol/directory/share-path'
import { FsFileStore } from '../../../src/platform/node/fs-file-store'
import { createNodeHasher } from '../../../src/platform/node/node-hasher'

let base: string
let root: string
let store: FsFileStore
let hashed: number
const countingHasher: HasherFactory = () => {
  hashed++
  return createNodeHasher()
}

async function put(path: string, content: string, mtimeSeconds = 1_700_000_000): Promise<void> {
  const abs = join(root, ...path.split('/'))
  await mkdir(dirname(abs), { recursive: true })
  await writeFile(abs, content)
  await utimes(abs, mtimeSeconds, mtimeSeconds)
}

/** What the engine would store after applying a batch: the known snapshot for the next scan. */
function apply(known: Map<SharePath, KnownEntry>, batch: ChangeBatch): Map<SharePath, KnownEntry> {
  const next = new Map(known)
  for (const { path } of batch.deleted) next.delete(path)
  for (const { from } of batch.moved) next.delete(from)
  for (const entry of [...batch.added, ...batch.modified, ...batch.moved.map((m) => m.to)]) {
    next.set(entry.path, { kind: entry.kind, size: entry.size, mtimeNs: entry.mtimeNs, sha256: entry.sha256 })
  }
  return next
}

const run = (known: Map<SharePath, KnownEntry>, options: Partial<ScanOptions> = {}): Promise<ChangeBatch> =>
  scan({ store, createHasher: countingHasher, known, ...options })

const paths = (entries: readonly { path: string }[]): string[] => entries.map((e) => e.path).sort()

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'clearskies-scan-'))
  root = join(base, 'share')
  await mkdir(root)
  store = new FsFileStore(root)
  hashed = 0
})
afterEach(() => rm(base, { recursive: true, force: true }))

describe('scan (directory.md, "First Sync", "File Change Notification")', () => {
  it('finds everything on the first scan, root included, and reports progress', async () => {
    await put('/a.txt', 'alpha')
    await put('/docs/b.txt', 'bravo!')
    await mkdir(join(root, 'empty'))
    const progress: ScanProgress[] = []
    const batch = await run(new Map(), { onProgress: (p) => progress.push(p) })
    expect(paths(batch.added)).toEqual(['/', '/a.txt', '/docs', '/docs/b.txt', '/empty'])
    expect(batch.added.find((e) => e.path === '/a.txt')?.sha256).toBe(
      '8ed3f6ad685b959ead7022518e1af76cd816f8e8ec7ccdda1ed4018e8f2223f8',
    )
    expect(progress.findIndex((p) => p.phase === 'hashing')).toBeGreaterThan(
      progress.findIndex((p) => p.phase === 'listing'),
    )
    const hashingStart = progress.find((p) => p.phase === 'hashing')
    expect(hashingStart).toMatchObject({ entriesListed: 4, filesToHash: 2, bytesToHash: 11, filesHashed: 0 })
    expect(progress.at(-1)).toMatchObject({ phase: 'done', filesHashed: 2, bytesHashed: 11 })
  })

  it('does not rehash unchanged files, and hashes only what changed', async () => {
    await put('/a.txt', 'alpha')
    await put('/b.txt', 'bravo')
    const known = apply(new Map(), await run(new Map()))
    hashed = 0
    expect(await run(known)).toEqual({ added: [], modified: [], deleted: [], moved: [], skipped: [] })
    expect(hashed).toBe(0)
    await put('/b.txt', 'bravo, edited', 1_700_000_100)
    const batch = await run(known)
    expect(hashed).toBe(1)
    expect(paths(batch.modified)).toEqual(['/b.txt'])
  })

  it('sees a rename and a move to another folder as moves, by content', async () => {
    await put('/old-name.txt', 'same content')
    await put('/photo.jpg', 'jpeg bytes')
    await put('/copy-source.txt', 'twin')
    const known = apply(new Map(), await run(new Map()))
    await rename(join(root, 'old-name.txt'), join(root, 'new-name.txt'))
    await mkdir(join(root, 'album'))
    await rename(join(root, 'photo.jpg'), join(root, 'album', 'photo.jpg'))
    await rm(join(root, 'copy-source.txt'))
    const batch = await run(known)
    expect(batch.moved.map((m) => [m.from, m.to.path]).sort()).toEqual([
      ['/old-name.txt', '/new-name.txt'],
      ['/photo.jpg', '/album/photo.jpg'],
    ])
    expect(paths(batch.added)).toEqual(['/album'])
    expect(paths(batch.deleted)).toEqual(['/copy-source.txt'])
  })

  it('prefers the same name when several deleted files share the content', async () => {
    await put('/x/report.txt', 'dup')
    await put('/y/other.txt', 'dup')
    const known = apply(new Map(), await run(new Map()))
    await mkdir(join(root, 'z'))
    await rename(join(root, 'y', 'other.txt'), join(root, 'z', 'other.txt'))
    await rename(join(root, 'x', 'report.txt'), join(root, 'z', 'report.txt'))
    const batch = await run(known)
    expect(batch.moved.map((m) => [m.from, m.to.path]).sort()).toEqual([
      ['/x/report.txt', '/z/report.txt'],
      ['/y/other.txt', '/z/other.txt'],
    ])
  })

  it('is an error, not a mass deletion, when the share root is missing or suddenly empty', async () => {
    await put('/a.txt', 'alpha')
    const known = apply(new Map(), await run(new Map()))
    await rm(join(root, 'a.txt'))
    await expect(run(known)).rejects.toBeInstanceOf(ScanError)
    expect((await run(known, { allowEmptyRoot: true })).deleted.map((d) => d.path)).toEqual(['/a.txt'])
    await rm(root, { recursive: true })
    await expect(run(known)).rejects.toMatchObject({ code: 'ERR_SHARE_ROOT_MISSING' })
  })

  it('skips names that are not valid share paths, and ignored or temporary files', async () => {
    await put('/back\\slash.txt', 'x')
    await put('/line\nbreak.txt', 'x')
    await put('/keep.txt', 'x')
    await put('/scratch.tmp', 'x')
    await put('/.keep.txt.00000000.!clearsky', 'partial')
    await put('/.clearskies-archive/old.txt', 'archived')
    const batch = await run(new Map(), { selection: new Selection({ ignore: new IgnoreRules(['*.tmp']) }) })
    expect(paths(batch.added)).toEqual(['/', '/keep.txt'])
    expect(batch.skipped.map((s) => s.path).sort()).toEqual(['/back\\slash.txt', '/line\nbreak.txt'])
    expect(batch.skipped[0]?.reason).toMatch(/backslash|control-character/u)
  })

  it('maps a subtree copy: local paths become share paths below the subtree', async () => {
    await put('/a.jpg', 'a')
    const selection = new Selection({ subtree: '/photos' as SharePath })
    const batch = await run(new Map(), { selection })
    expect(paths(batch.added)).toEqual(['/photos', '/photos/a.jpg'])
    const known = apply(new Map(), batch)
    expect(await run(known, { selection })).toMatchObject({ added: [], modified: [], deleted: [] })
  })

  it('keeps what was known below a folder it cannot read', async () => {
    await put('/locked/secret.txt', 's')
    await put('/open.txt', 'o')
    const known = apply(new Map(), await run(new Map()))
    await rm(join(root, 'locked', 'secret.txt'))
    const unreadable: FileStore = Object.assign(Object.create(store) as FileStore, {
      async *list(): AsyncIterable<ListedEntry> {
        for await (const entry of store.list())
          yield entry.path === '/locked' ? { ...entry, unreadable: true } : entry
      },
    })
    const batch = await scan({ store: unreadable, createHasher: countingHasher, known })
    expect(batch.deleted).toEqual([])
  })

  it('stops when aborted', async () => {
    await put('/a.txt', 'a')
    await expect(run(new Map(), { signal: AbortSignal.abort() })).rejects.toThrow()
  })
})
