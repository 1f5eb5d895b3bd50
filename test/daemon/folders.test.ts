/** The folder made for a join, and its removal when the join is refused: never more than was made. */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { makeFolder } from '../../daemon/folders'
import { exists, makeTempDir, removeTemp } from '../engine/peers'

let root = ''
beforeEach(async () => {
  root = await makeTempDir('folders')
})
afterEach(() => removeTemp(root))

it('removes every folder it made, and not the one that was there above them', async () => {
  const unmake = await makeFolder(join(root, 'a', 'b', 'c'))
  expect(await exists(join(root, 'a', 'b', 'c'))).toBe(true)
  await unmake()
  expect(await exists(join(root, 'a'))).toBe(false)
  expect(await exists(root)).toBe(true)
})

it('leaves a folder that was there, empty or not', async () => {
  await mkdir(join(root, 'mine', 'new'), { recursive: true })
  await (
    await makeFolder(join(root, 'mine', 'new'))
  )()
  expect(await exists(join(root, 'mine', 'new'))).toBe(true)
  // Only `new` is made here: `mine` was the person's before it, and stays once `new` is gone.
  await (
    await makeFolder(join(root, 'mine', 'other'))
  )()
  expect(await exists(join(root, 'mine', 'other'))).toBe(false)
  expect(await exists(join(root, 'mine', 'new'))).toBe(true)
})

it('keeps a folder it made once something is in it, and the folders above it', async () => {
  const unmake = await makeFolder(join(root, 'a', 'b', 'c'))
  await writeFile(join(root, 'a', 'b', 'note.txt'), 'kept')
  await unmake()
  expect(await exists(join(root, 'a', 'b', 'c'))).toBe(false)
  expect(await exists(join(root, 'a', 'b', 'note.txt'))).toBe(true)
})

it('goes on past a made folder someone removed already', async () => {
  const unmake = await makeFolder(join(root, 'a', 'b'))
  await removeTemp(join(root, 'a', 'b'))
  await unmake()
  expect(await exists(join(root, 'a'))).toBe(false)
})
