/**
 * Closing the engine closes every share, even when one fails to: in the browser a share's storage
 * may have been taken by a newer version of the app in another tab (idb-open.ts), and the shares
 * after it must still stop their timers and let go of their stores.
 */
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Engine, type EnginePlatform } from '../../src/engine/engine'
import { nodeEnginePlatform } from '../../src/platform/node/engine-platform'
import { makeTempDir } from './peers'

const dirs: string[] = []
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))))

/** A temporary folder, and a node platform whose shares' storage says when it is closed. */
async function setUp(
  closing: (location: string) => void,
): Promise<{ root: string; node: ReturnType<typeof nodeEnginePlatform>; platform: EnginePlatform }> {
  const root = await makeTempDir('engine-close')
  dirs.push(root)
  const node = nodeEnginePlatform({ stateDir: join(root, 'state') })
  const platform: EnginePlatform = {
    ...node,
    async openShareStorage(storageId, location) {
      const storage = await node.openShareStorage(storageId, location)
      return {
        ...storage,
        async close() {
          await storage.close()
          closing(location)
        },
      }
    },
  }
  return { root, node, platform }
}

describe('closing the engine', () => {
  it('closes every share though the first fails to, then says why', async () => {
    const closed: string[] = []
    const lost = new Error('the first share’s storage was taken')
    const { root, node, platform } = await setUp((location) => {
      closed.push(location)
      if (location.endsWith('first')) throw lost
    })
    const engine = await Engine.open(platform)
    for (const name of ['first', 'second']) {
      await mkdir(join(root, name))
      await engine.createShare(join(root, name))
    }

    await expect(engine.close()).rejects.toBe(lost)
    expect(closed.sort()).toEqual([join(root, 'first'), join(root, 'second')])
    node.close()
  })
})

describe('closing the engine while a share is being added', () => {
  it('closes the share that opens after it, and refuses the addition', async () => {
    const closed: string[] = []
    const { root, node, platform } = await setUp((location) => closed.push(location))
    let opening: () => void = () => undefined
    const opened = new Promise<void>((resolve) => (opening = resolve))
    let letOpen: () => void = () => undefined
    const mayOpen = new Promise<void>((resolve) => (letOpen = resolve))
    const engine = await Engine.open({
      ...platform,
      async openShareStorage(storageId, location) {
        opening()
        await mayOpen
        return platform.openShareStorage(storageId, location)
      },
    })
    const location = join(root, 'late')
    await mkdir(location)
    const creating = engine.createShare(location)
    await opened
    await engine.close()
    letOpen()

    await expect(creating).rejects.toMatchObject({ code: 'ECLOSED' })
    expect(engine.shareList).toEqual([])
    expect(closed).toEqual([location])
    await expect(engine.createShare(join(root, 'state'))).rejects.toMatchObject({ code: 'ECLOSED' })
    node.close()
  })
})
