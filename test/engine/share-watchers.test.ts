/**
 * One watcher per share, kept in step with the engine's shares (src/engine/share-watchers.ts), with
 * a real engine, real folders and Node's recursive fs.watch as the daemon runs it.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { watchShares, type WatchFolder } from '../../src/engine/share-watchers'
import type { FolderWatcher } from '../../src/protocol/directory/folder-watcher'
import { watchFolder } from '../../src/platform/node/watch'
import {
  converge,
  eventually,
  makeTempDir,
  shareAndJoin,
  startPeer,
  stopAndRemove,
  type TestPeer,
} from './peers'

const peers: TestPeer[] = []
afterAll(() => stopAndRemove(peers))

/** Wraps `watch`, recording which locations were watched and which watchers were closed. */
function recording(watch: WatchFolder): { watch: WatchFolder; started: string[]; closed: string[] } {
  const started: string[] = []
  const closed: string[] = []
  return {
    started,
    closed,
    async watch(location, onChange) {
      const watcher = await watch(location, onChange)
      started.push(location)
      return watcher && { close: () => (closed.push(location), watcher.close()) }
    },
  }
}

describe('watchShares', () => {
  it("scans a share soon after a file changes in its folder, and stops watching a removed share's", async () => {
    const a = await startPeer('watcher')
    peers.push(a)
    const logs: string[] = []
    const watched = recording((location, onChange) => watchFolder(location, onChange, (m) => logs.push(m)))
    const watchers = watchShares(a.engine, watched.watch, (m) => logs.push(m))
    const share = await a.engine.createShare(a.folder)
    await share.scan()
    await eventually(async () => expect(watched.started).toEqual([a.folder]), 5_000)

    // No scan is asked for: only the watcher can bring these in before the ten-minute rescan.
    await mkdir(join(a.folder, 'deep', 'er'), { recursive: true })
    await writeFile(join(a.folder, 'deep', 'er', 'new.txt'), 'written behind the engine')
    await eventually(async () => expect(await share.database.get('/deep/er/new.txt')).toBeDefined(), 10_000)

    await a.engine.removeShare(a.folder)
    await eventually(async () => expect(watched.closed).toEqual([a.folder]), 5_000)
    watchers.close()
    expect(logs).toEqual([])
  }, 30_000)

  it('closes a watcher that starts after its share was removed, and logs one that cannot start', async () => {
    const a = await startPeer('late-watcher')
    peers.push(a)
    const other = await makeTempDir('unwatchable')
    let release!: () => void
    const slow = new Promise<void>((resolve) => (release = resolve))
    const closed: string[] = []
    const logs: string[] = []
    const watchers = watchShares(
      a.engine,
      async (location): Promise<FolderWatcher> => {
        if (location === other) throw new Error('no watching here')
        await slow
        return { close: () => closed.push(location) }
      },
      (m) => logs.push(m),
    )
    await a.engine.createShare(a.folder)
    await a.engine.createShare(other)
    await eventually(async () => expect(logs.join('\n')).toMatch(/cannot watch .*no watching here/), 5_000)
    await a.engine.removeShare(a.folder)
    release()
    await eventually(async () => expect(closed).toEqual([a.folder]), 5_000)
    watchers.close()
  }, 30_000)

  it("does not scan a watched folder for the engine's own writes while it syncs", async () => {
    const a = await startPeer('sharer')
    const b = await startPeer('watched-joiner')
    peers.push(a, b)
    for (let d = 0; d < 6; d++) {
      await mkdir(join(a.folder, `d${d}`))
      for (let i = 0; i < 50; i++) await writeFile(join(a.folder, `d${d}`, `f${i}.txt`), `file ${d}/${i}`)
    }
    const watchers = watchShares(
      b.engine,
      (location, onChange) => watchFolder(location, onChange, () => undefined),
      () => undefined,
    )
    await shareAndJoin(a, b)
    const scans = vi.spyOn(b.engine.share(b.folder).directory, 'scan')
    await converge([a, b], 60_000)
    await new Promise((resolve) => setTimeout(resolve, 3_000)) // past the 2 s quiet wait
    // Every file placed notified the watcher; each scan lists the whole folder (34 scans without the check).
    expect(scans).not.toHaveBeenCalled()

    await writeFile(join(b.folder, 'd0', 'f0.txt'), 'edited here afterwards')
    await eventually(() => expect(scans).toHaveBeenCalled(), 10_000)
    watchers.close()
  }, 90_000)
})
