/** The Node platform's share storage (src/platform/node/engine-platform.ts). */
import { mkdir, mkdtemp, readdir, readlink, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { nodeEnginePlatform } from '../../../src/platform/node/engine-platform'

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'cs-platform-'))
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

/** Files under `root` this process holds open (Linux: /proc/self/fd). */
async function heldUnder(dir: string): Promise<string[]> {
  const links = await Promise.all(
    (await readdir('/proc/self/fd')).map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')),
  )
  return links.filter((target) => target.startsWith(dir))
}

describe('nodeEnginePlatform.openShareStorage', () => {
  it('closes what it opened when a store fails to open, and both databases on close()', async () => {
    const stateDir = join(root, 'state')
    const folder = join(root, 'folder')
    await mkdir(folder)
    const platform = nodeEnginePlatform({ stateDir })
    try {
      // The local index's database cannot open where a folder stands.
      await mkdir(join(stateDir, 'shares', 'broken.index.db'))
      await expect(platform.openShareStorage('broken', folder)).rejects.toThrow()
      expect(await heldUnder(join(stateDir, 'shares'))).toEqual([])

      const storage = await platform.openShareStorage('fine', folder)
      expect((await heldUnder(join(stateDir, 'shares'))).length).toBeGreaterThan(0)
      await storage.close()
      expect(await heldUnder(join(stateDir, 'shares'))).toEqual([])
    } finally {
      platform.close()
    }
  })
})
