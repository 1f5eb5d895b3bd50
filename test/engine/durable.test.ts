/**
 * A received file and the local index (docs/protocol-notes/directory.md, "Atomic replace"): the
 * folder a file was renamed into is fsynced once for many files (`FileStore.settle`), and always
 * before the local index records the file, so the index never lists a file a power cut could take
 * back. Real engines, TCP, TLS-SRP, SQLite and folders; the fsync and the index save are watched
 * as they happen (the calls go through).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { DirectorySyncs } from '../../src/platform/node/directory-sync'
import { SqliteLocalIndex } from '../../src/platform/node/sqlite-local-index'
import type { LocalEntry } from '../../src/protocol/directory/local-index'
import type { SharePath } from '../../src/protocol/directory/share-path'
import { converge, removeTemp, stopAndRemove, startPeer, type TestPeer } from './peers'

const peers: TestPeer[] = []
afterEach(() => vi.restoreAllMocks())
afterAll(() => stopAndRemove(peers))

describe('a received file on a durable peer', () => {
  it('is in a folder fsynced after its rename before the local index records it, one fsync for many files', async () => {
    const [a, b] = [await startPeer('alice'), await startPeer('bob')]
    peers.push(a, b)
    for (let i = 0; i < 60; i++) {
      await mkdir(join(a.folder, `d${i % 3}`), { recursive: true })
      await writeFile(join(a.folder, `d${i % 3}`, `f${i}.txt`), `file ${i}`)
    }
    const share = await a.engine.createShare(a.folder)
    await share.scan()

    // From here on, what Bob's engine does: his folder's fsyncs (once finished) and his index's saves.
    const events: Array<{ readonly synced: string } | { readonly saved: readonly string[] }> = []
    const sync = DirectorySyncs.prototype.sync
    vi.spyOn(DirectorySyncs.prototype, 'sync').mockImplementation(function (
      this: DirectorySyncs,
      abs: string,
    ) {
      const done = sync.call(this, abs)
      void done.then(() => events.push({ synced: abs }))
      return done
    })
    // Bob's index alone: it opens with his share, after this. Alice's may still save late (her
    // scan's last save can wait on a timer), and her paths are the same as his.
    const bobs = new Set<SqliteLocalIndex>()
    const open = SqliteLocalIndex.open.bind(SqliteLocalIndex)
    vi.spyOn(SqliteLocalIndex, 'open').mockImplementation((path: string) => {
      const index = open(path)
      bobs.add(index)
      return index
    })
    const save = SqliteLocalIndex.prototype.save
    vi.spyOn(SqliteLocalIndex.prototype, 'save').mockImplementation(function (
      this: SqliteLocalIndex,
      changes: ReadonlyMap<SharePath, LocalEntry | null>,
    ) {
      if (!bobs.has(this)) return save.call(this, changes)
      events.push({ saved: [...changes].flatMap(([path, entry]) => (entry?.kind === 'file' ? [path] : [])) })
      return save.call(this, changes)
    })

    const { code } = await a.engine.createAccessCode(a.folder, 'read_write')
    await b.engine.addShare(code, b.folder, [a.address])
    await converge([a, b])
    await b.stop() // the last save, on close
    peers.splice(peers.indexOf(b), 1)
    await removeTemp(join(b.folder, '..')).catch(() => undefined)

    const recorded = new Set<string>()
    events.forEach((event, at) => {
      if (!('saved' in event)) return
      for (const path of event.saved) {
        const folder = dirname(join(b.folder, path))
        const syncedBefore = events.slice(0, at).some((e) => 'synced' in e && e.synced === folder)
        expect(syncedBefore, `${path} recorded before ${folder} was fsynced`).toBe(true)
        recorded.add(path)
      }
    })
    expect(recorded.size).toBe(60)
    const fsyncs = events.filter((e) => 'synced' in e).length
    expect(fsyncs).toBeLessThan(60)
  })
})
