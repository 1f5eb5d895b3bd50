/**
 * A share inside another share of the same device, or holding one, would sync the inner files
 * under two shares: the engine refuses it, naming the share in the way, whichever way the path is
 * spelled (trailing slash, `..`, a symbolic link). Real folders, real SQLite, no peers.
 */
import { mkdir, realpath, symlink } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Engine, EngineError } from '../../src/engine/engine'
import { generateAccessCode } from '../../src/protocol/access'
import { nodeEnginePlatform } from '../../src/platform/node/engine-platform'
import { makeTempDir, removeTemp } from './peers'

let root: string
let photos: string
let engine: Engine
let closePlatform: () => void

beforeEach(async () => {
  // Real already: the messages below name the real path only where the test spells another.
  root = await realpath(await makeTempDir('nested'))
  photos = join(root, 'Photos')
  await mkdir(join(photos, '2024'), { recursive: true })
  const platform = nodeEnginePlatform({ stateDir: join(root, 'state') })
  closePlatform = platform.close
  engine = await Engine.open(platform)
  await engine.createShare(photos)
})

afterEach(async () => {
  await engine.close()
  closePlatform()
  await removeTemp(root)
})

const newCode = (): string => generateAccessCode().text

async function refusal(attempt: Promise<unknown>): Promise<EngineError> {
  const err = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(EngineError)
  return err as EngineError
}

describe('a share inside another share', () => {
  it('refuses a folder inside a share, naming that share', async () => {
    const err = await refusal(engine.createShare(join(photos, '2024')))
    expect(err.code).toBe('EEXIST')
    expect(err.message).toBe(
      `'${photos}/2024' is inside the share '${photos}'; share that folder instead, or remove that share first`,
    )
    expect(engine.shareList.map((s) => s.stored.location)).toEqual([photos])
  })

  it('refuses a folder that contains a share', async () => {
    const err = await refusal(engine.createShare(root))
    expect(err.code).toBe('EEXIST')
    expect(err.message).toBe(
      `'${root}' contains the share '${photos}'; remove that share first, or share a folder outside it`,
    )
  })

  it('accepts a sibling whose name starts with the share name', async () => {
    await mkdir(join(root, 'Photos2'))
    await engine.createShare(join(root, 'Photos2'))
    expect(engine.shareList.map((s) => s.stored.location).sort()).toEqual([photos, join(root, 'Photos2')])
  })

  it('still answers a second share of the very same location with the existing share', async () => {
    expect(await engine.createShare(photos)).toBe(engine.share(photos))
  })

  it('refuses the same nesting spelled with a trailing slash or ..', async () => {
    await mkdir(join(root, 'Other'))
    for (const spelled of [`${photos}/2024/`, `${root}/Other/../Photos/2024`]) {
      const err = await refusal(engine.createShare(spelled))
      expect(err.message).toContain(`is inside the share '${photos}'`)
    }
    const same = await refusal(engine.createShare(`${photos}/2024/..`))
    expect(same.message).toContain(`(that is '${photos}') is the folder of the share '${photos}'`)
  })

  it('refuses through symbolic links: into a share, to a share, and to a folder holding one', async () => {
    await symlink(photos, join(root, 'to-photos'))
    await symlink(root, join(root, 'to-root'))
    const inside = await refusal(engine.createShare(join(root, 'to-photos', '2024')))
    expect(inside.message).toBe(
      `'${root}/to-photos/2024' (that is '${photos}/2024') is inside the share '${photos}'; share that folder instead, or remove that share first`,
    )
    const same = await refusal(engine.createShare(join(root, 'to-photos')))
    expect(same.message).toContain(`is the folder of the share '${photos}'`)
    const holding = await refusal(engine.createShare(join(root, 'to-root')))
    expect(holding.message).toContain(`contains the share '${photos}'`)
    expect(engine.shareList).toHaveLength(1)
  })

  it('refuses to join into a folder inside a share, even one not made yet, and nothing is stored', async () => {
    const err = await refusal(engine.addShare(newCode(), join(photos, 'from-bob')))
    expect(err.code).toBe('EEXIST')
    expect(err.message).toBe(
      `'${photos}/from-bob' is inside the share '${photos}'; join into a folder outside it, or remove that share first`,
    )
    expect(engine.pendingJoins).toHaveLength(0)
  })

  it('lets only one of two overlapping additions made at once through, refusing the other by name', async () => {
    const music = join(root, 'Music')
    const live = join(music, 'Live')
    await mkdir(live, { recursive: true })
    // Neither awaited before the other starts, as two commands on the control socket would be.
    const [outer, inner] = await Promise.allSettled([engine.createShare(music), engine.createShare(live)])
    expect(outer.status).toBe('fulfilled')
    expect(inner.status).toBe('rejected')
    const err = (inner as PromiseRejectedResult).reason as EngineError
    expect(err).toBeInstanceOf(EngineError)
    expect(err.message).toBe(
      `'${live}' is inside the share '${music}'; share that folder instead, or remove that share first`,
    )
    expect(engine.shareList.map((s) => s.stored.location).sort()).toEqual([music, photos])
  })

  it('lets only one of a join and a share made at once in overlapping folders through', async () => {
    const incoming = join(root, 'Incoming')
    await mkdir(join(incoming, 'sub'), { recursive: true })
    const [joined, created] = await Promise.allSettled([
      engine.addShare(newCode(), incoming),
      engine.createShare(join(incoming, 'sub')),
    ])
    expect(joined.status).toBe('fulfilled')
    expect(created.status).toBe('rejected')
    expect(((created as PromiseRejectedResult).reason as Error).message).toContain(
      `is inside the share '${incoming}'`,
    )
    expect(engine.shareList.map((s) => s.stored.location)).toEqual([photos])
    expect(engine.pendingJoins.map((j) => j.location)).toEqual([incoming])
  })

  it('counts a pending join as a share: nothing may nest in its folder or hold it', async () => {
    const incoming = join(root, 'Incoming')
    await engine.addShare(newCode(), incoming)
    const inside = await refusal(engine.createShare(join(incoming, 'sub')))
    expect(inside.message).toContain(`is inside the share '${incoming}'`)
    const holding = await refusal(engine.addShare(newCode(), root))
    expect(holding.message).toContain('contains the share')
  })
})
