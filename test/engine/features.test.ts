/**
 * issue 4's directory features, end to end over TCP and TLS-SRP: deduplication, archive, ignore
 * patterns, subtree and partial copy, pause and resume, the rate limit, progress with an ETA.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { ShareOptions } from '../../src/engine/stored'
import {
  converge,
  eventually,
  exists,
  stopAndRemove,
  scan,
  startPeer,
  treeOf,
  writeRandomFile,
  type TestPeer,
} from './peers'

let peers: TestPeer[] = []
afterEach(async () => {
  await stopAndRemove(peers)
  peers = []
})

async function twoPeers(
  options: { alice?: ShareOptions; bob?: ShareOptions; bobDownloadLimit?: number } = {},
) {
  const a = await startPeer('alice')
  const b = await startPeer(
    'bob',
    undefined,
    options.bobDownloadLimit ? { downloadLimit: options.bobDownloadLimit } : {},
  )
  peers.push(a, b)
  return { a, b }
}

async function join2(
  a: TestPeer,
  b: TestPeer,
  alice: ShareOptions = {},
  bob: ShareOptions = {},
): Promise<void> {
  await (await a.engine.createShare(a.folder, alice)).scan()
  const { code } = await a.engine.createAccessCode(a.folder, 'read_write')
  await b.engine.addShare(code, b.folder, [a.address], bob)
  await eventually(() => expect(b.engine.shareList).toHaveLength(1))
}

const progress = (p: TestPeer) => p.engine.share(p.folder).status().progress

describe('directory features', () => {
  it('copies a content it already holds instead of downloading it (deduplication)', async () => {
    const { a, b } = await twoPeers()
    await writeRandomFile(join(a.folder, 'original.bin'), 2 * 1024 * 1024, 3)
    await join2(a, b)
    await converge([a, b])
    const fetched = progress(b).bytesReceived
    expect(fetched).toBe(2 * 1024 * 1024)

    await mkdir(join(a.folder, 'copies'))
    await writeRandomFile(join(a.folder, 'copies/same.bin'), 2 * 1024 * 1024, 3)
    await scan(a)
    await converge([a, b])
    expect(progress(b).bytesReceived).toBe(fetched)
  })

  it('archives replaced and deleted files when asked to', async () => {
    const { a, b } = await twoPeers()
    await writeFile(join(a.folder, 'edited.txt'), 'first')
    await writeFile(join(a.folder, 'deleted.txt'), 'doomed')
    await join2(a, b, {}, { archive: true })
    await converge([a, b])
    await writeFile(join(a.folder, 'edited.txt'), 'second')
    await rm(join(a.folder, 'deleted.txt'))
    await scan(a)
    await converge([a, b])
    expect(await readFile(join(b.folder, '.clearskies-archive/deleted.txt'), 'utf8')).toBe('doomed')
    expect(await readFile(join(b.folder, '.clearskies-archive/edited.txt'), 'utf8')).toBe('first')
    expect(await exists(join(a.folder, '.clearskies-archive'))).toBe(false)
  })

  it('ignore patterns on either side: ignored files are neither sent nor fetched', async () => {
    const { a, b } = await twoPeers()
    await mkdir(join(a.folder, 'build'))
    await writeFile(join(a.folder, 'build/out.o'), 'object')
    await writeFile(join(a.folder, 'scratch.tmp'), 'tmp')
    await writeFile(join(a.folder, 'notes.log'), 'log')
    await writeFile(join(a.folder, 'keep.txt'), 'keep')
    await join2(a, b, { ignore: ['*.tmp', 'build/'] }, { ignore: ['*.log'] })
    await eventually(async () => expect(await exists(join(b.folder, 'keep.txt'))).toBe(true))
    await new Promise((r) => setTimeout(r, 500))
    expect([...(await treeOf(b.folder)).keys()]).toEqual(['keep.txt'])
    // Alice never recorded the ignored files; Bob holds the record of notes.log but not the file.
    const bobDb = b.engine.share(b.folder).database
    expect(await bobDb.get('/scratch.tmp')).toBeUndefined()
    expect(await bobDb.get('/build/out.o')).toBeUndefined()
    expect(await bobDb.get('/notes.log')).toBeDefined()
  })

  it('subtree copy and partial copy', async () => {
    const { a, b } = await twoPeers()
    const c = await startPeer('carol')
    peers.push(c)
    await mkdir(join(a.folder, 'docs/drafts'), { recursive: true })
    await mkdir(join(a.folder, 'media'))
    await writeFile(join(a.folder, 'docs/a.txt'), 'a')
    await writeFile(join(a.folder, 'docs/drafts/d.txt'), 'd')
    await writeFile(join(a.folder, 'media/m.bin'), 'm')
    await writeFile(join(a.folder, 'top.txt'), 't')
    await join2(a, b, {}, { subtree: '/docs' })
    const { code } = await a.engine.createAccessCode(a.folder, 'read_write')
    await c.engine.addShare(code, c.folder, [a.address], { excluded: ['/media', '/docs/drafts'] })
    await eventually(async () =>
      expect([...(await treeOf(b.folder)).keys()].sort()).toEqual(['a.txt', 'drafts/', 'drafts/d.txt']),
    )
    await eventually(async () =>
      expect([...(await treeOf(c.folder)).keys()].sort()).toEqual(['docs/', 'docs/a.txt', 'top.txt']),
    )

    // A change inside Bob's subtree goes back to the right place in the share.
    await writeFile(join(b.folder, 'from-bob.txt'), 'b')
    await scan(b)
    await eventually(async () =>
      expect(await readFile(join(a.folder, 'docs/from-bob.txt'), 'utf8')).toBe('b'),
    )
  })

  it('pause stops syncing and resume picks it up again', async () => {
    const { a, b } = await twoPeers()
    await writeFile(join(a.folder, 'one.txt'), '1')
    await join2(a, b)
    await converge([a, b])
    b.engine.pause()
    expect(b.engine.isPaused).toBe(true)
    await writeFile(join(a.folder, 'two.txt'), '2')
    await scan(a)
    await new Promise((r) => setTimeout(r, 1_000))
    expect(await exists(join(b.folder, 'two.txt'))).toBe(false)
    b.engine.resume()
    await converge([a, b])
  })

  it('a download limit holds the rate, and progress shows bytes and files remaining with an ETA', async () => {
    const limit = 1024 * 1024
    const { a, b } = await twoPeers({ bobDownloadLimit: limit })
    await writeRandomFile(join(a.folder, 'slow.bin'), 3 * 1024 * 1024, 9)
    const started = Date.now()
    await join2(a, b)
    let seen: ReturnType<typeof progress> | undefined
    await eventually(
      () => {
        seen = progress(b)
        expect(seen.bytesReceived).toBeGreaterThan(0)
        expect(seen.etaSeconds).not.toBeNull()
      },
      10_000,
      50,
    )
    expect(seen!.filesRemaining).toBe(1)
    expect(seen!.bytesRemaining).toBeGreaterThan(0)
    await converge([a, b])
    // 3 MiB at 1 MiB/s, less the bucket's quarter-second burst.
    expect(Date.now() - started).toBeGreaterThan(2_500)
    expect(progress(b).etaSeconds).toBe(0)
    b.engine.setRateLimits({ download: 0 })
    expect(b.engine.rateLimits.download).toBe(0)
  })
})
