/**
 * Closing the engine closes every share, even when one fails to: in the browser a share's storage
 * may have been taken by a newer version of the app in another tab (idb-open.ts), and the shares
 * after it must still stop their timers and let go of their stores.
 */
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Engine } from '../../src/engine/engine'
import { nodeEnginePlatform } from '../../src/platform/node/engine-platform'
import { makeTempDir } from './peers'

const dirs: string[] = []
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))))

describe('closing the engine', () => {
  it('closes every share though the first fails to, then says why', async () => {
    const root = await makeTempDir('engine-close')
    dirs.push(root)
    const node = nodeEnginePlatform({ stateDir: join(root, 'state') })
    const closed: string[] = []
    const lost = new Error('the first share’s storage was taken')
    const engine = await Engine.open({
      ...node,
      async openShareStorage(storageId, location) {
        const storage = await node.openShareStorage(storageId, location)
        return {
          ...storage,
          async close() {
            await storage.close()
            closed.push(location)
            if (location.endsWith('first')) throw lost
          },
        }
      },
    })
    for (const name of ['first', 'second']) {
      await mkdir(join(root, name))
      await engine.createShare(join(root, name))
    }

    await expect(engine.close()).rejects.toBe(lost)
    expect(closed.sort()).toEqual([join(root, 'first'), join(root, 'second')])
    node.close()
  })
})
