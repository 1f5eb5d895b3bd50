/**
 * Joins waiting for their keys are kept by the access code: the same code entered twice, at two
 * folders, must not leave the first one waiting for a share that never comes. Real folders, real
 * SQLite, no peers (the joins stay pending).
 */
import { join } from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { Engine, EngineError } from '../../src/engine/engine'
import { generateAccessCode } from '../../src/protocol/access'
import { nodeEnginePlatform } from '../../src/platform/node/engine-platform'
import { JOIN_PREFIX } from '../../src/engine/stored'
import { makeTempDir, removeTemp } from './peers'

let root: string
let engine: Engine
let closePlatform: () => void

beforeEach(async () => {
  root = await makeTempDir('joins')
  const platform = nodeEnginePlatform({ stateDir: join(root, 'state') })
  closePlatform = platform.close
  engine = await Engine.open(platform)
})

afterEach(async () => {
  await engine.close()
  closePlatform()
  await removeTemp(root)
})

it('refuses a code already being joined at another folder, naming it, and keeps the first join', async () => {
  const code = generateAccessCode().text
  await engine.addShare(code, join(root, 'first'))
  const err = await engine.addShare(code, join(root, 'second')).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(EngineError)
  expect((err as EngineError).code).toBe('EEXIST')
  expect((err as EngineError).message).toBe(
    `that access code is already being joined at '${join(root, 'first')}'; remove that share first to join it elsewhere`,
  )
  expect(engine.pendingJoins.map((j) => j.location)).toEqual([join(root, 'first')])
})

it('joins the code again elsewhere once the first join is removed', async () => {
  const code = generateAccessCode().text
  await engine.addShare(code, join(root, 'first'))
  await engine.removeShare(join(root, 'first'))
  await engine.addShare(code, join(root, 'second'))
  expect(engine.pendingJoins.map((j) => j.location)).toEqual([join(root, 'second')])
})

it('keeps no join it could not save', async () => {
  const platform = nodeEnginePlatform({ stateDir: join(root, 'failing') })
  const kv = platform.kv
  const failing = await Engine.open({
    ...platform,
    kv: {
      get: (key) => kv.get(key),
      delete: (key) => kv.delete(key),
      list: (prefix) => kv.list(prefix),
      set: (key, value) =>
        key.startsWith(JOIN_PREFIX) ? Promise.reject(new Error('disk full')) : kv.set(key, value),
    },
  })
  try {
    await expect(failing.addShare(generateAccessCode().text, join(root, 'first'))).rejects.toThrow(
      'disk full',
    )
    expect(failing.pendingJoins).toEqual([])
  } finally {
    await failing.close()
    platform.close()
  }
})
