/**
 * Shares stored before the engine refused nesting may overlap already. The engine still starts
 * with every share, and names each overlap with what to do, until one of the two is removed.
 * Real folders, real SQLite; the "older version" is the same engine on a platform without
 * `realLocation`, which is how an engine that does not check shares behaves.
 */
import { mkdir, realpath, symlink } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { Engine, type EnginePlatform } from '../../src/engine/engine'
import { nodeEnginePlatform } from '../../src/platform/node/engine-platform'
import { makeTempDir, removeTemp } from './peers'

let root: string
let platform: EnginePlatform & { close(): void }
let engine: Engine | undefined

beforeEach(async () => {
  root = await realpath(await makeTempDir('overlap-startup'))
  platform = nodeEnginePlatform({ stateDir: join(root, 'state') })
})

afterEach(async () => {
  await engine?.close()
  engine = undefined
  platform.close()
  await removeTemp(root)
})

/** Registers the shares as an engine without the nesting check would have. */
async function registerUnchecked(locations: readonly string[]): Promise<void> {
  const unchecked: EnginePlatform = { ...platform, realLocation: undefined }
  const older = await Engine.open(unchecked)
  for (const location of locations) await older.createShare(location)
  await older.close()
}

it('starts with shares that already nest, naming both folders and what to do, until one is removed', async () => {
  const photos = join(root, 'Photos')
  const year = join(photos, '2024')
  const music = join(root, 'Music')
  await mkdir(year, { recursive: true })
  await mkdir(music)
  await symlink(music, join(root, 'to-music'))
  await registerUnchecked([year, photos, music, join(root, 'to-music')])

  const logged: string[] = []
  engine = await Engine.open(platform, { log: (m) => logged.push(m) })
  expect(engine.shareList.map((s) => s.stored.location).sort()).toEqual(
    [year, photos, music, join(root, 'to-music')].sort(),
  )
  const remedy = 'remove one of the two shares (its files stay where they are)'
  const messages = [
    `the shares '${music}' and '${root}/to-music' are the same folder '${music}', so its files sync under both; ${remedy}`,
    `the share '${year}' is inside the share '${photos}', so the files in it sync under both; ${remedy}`,
  ]
  expect(engine.overlappingShares.map((o) => o.message)).toEqual(messages)
  expect(engine.overlappingShares.map((o) => [o.outer, o.inner])).toEqual([
    [music, join(root, 'to-music')],
    [photos, year],
  ])
  expect(logged.filter((m) => m.startsWith('shares overlap: '))).toEqual(
    messages.map((m) => `shares overlap: ${m}`),
  )

  await engine.removeShare(year)
  expect(engine.overlappingShares.map((o) => o.message)).toEqual([messages[0]])
})

it('reports nothing when the stored shares do not overlap', async () => {
  await mkdir(join(root, 'Photos'))
  await mkdir(join(root, 'Photos2'))
  await registerUnchecked([join(root, 'Photos'), join(root, 'Photos2')])
  engine = await Engine.open(platform)
  expect(engine.shareList).toHaveLength(2)
  expect(engine.overlappingShares).toEqual([])
})
