/**
 * Where a share may be: never over or inside the daemon's own state folder, whose databases and
 * log the daemon writes all the time (a share holding them rescans forever and syncs them); never
 * over or inside another share, whose files it would sync a second time.
 */
import { mkdir, symlink } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { converse, exists, makeDaemon, stopAll } from './daemons'

afterAll(stopAll)

it(
  'refuses to share or join into a folder that holds or is inside the state folder',
  { timeout: 60_000 },
  async () => {
    const daemon = await makeDaemon('locations')
    // daemon.root holds both the state folder and the daemon's shared folder.
    const holding = await daemon.cli('share', daemon.root)
    expect(holding.code).toBe(1)
    expect(holding.stderr).toContain('state folder')
    const inside = await daemon.cli('share', join(daemon.state, 'shares'))
    expect(inside.code).toBe(1)
    expect(inside.stderr).toContain('state folder')
    const code = String((await daemon.json('share', daemon.folder)).access_code)
    const join_ = await daemon.cli('attach', code, join(daemon.state, 'joined'), '--wait', '0')
    expect(join_.code).toBe(1)
    expect(join_.stderr).toContain('state folder')
    const { shares } = await daemon.json('list')
    expect(Object.keys(shares as object)).toEqual([daemon.folder])
  },
)

it('refuses a path written another way than plainly, which would be a second share of one folder', async () => {
  const daemon = await makeDaemon('spelled')
  const answers = await converse(
    join(daemon.state, 'control'),
    [
      JSON.stringify({ type: 'create_share', path: daemon.folder }),
      JSON.stringify({ type: 'create_share', path: `${daemon.folder}/` }),
      JSON.stringify({ type: 'create_share', path: join(daemon.folder, '.') + '/./' }),
      JSON.stringify({ type: 'list_shares' }),
    ],
    5,
  )
  expect(answers[1]).toEqual({})
  expect(answers[2]).toMatchObject({ error: 'EINVAL', message: expect.stringContaining(daemon.folder) })
  expect(answers[3]).toMatchObject({ error: 'EINVAL' })
  expect(Object.keys((answers[4] as { shares: object }).shares)).toEqual([daemon.folder])
})

it('refuses to share or attach a folder inside a share or holding one, and names that share', async () => {
  const daemon = await makeDaemon('nested')
  const inner = join(daemon.folder, 'inner')
  const holder = join(daemon.root, 'holder')
  await mkdir(inner)
  await mkdir(join(holder, 'held'), { recursive: true })
  const code = String((await daemon.json('share', daemon.folder)).access_code)
  await daemon.json('share', join(holder, 'held'))
  const insideMessage = `'${inner}' is inside the share '${daemon.folder}'; share that folder instead, or remove that share first`
  // The CLI writes each path plainly before the daemon sees it.
  for (const spelled of [inner, `${inner}/`, `${daemon.folder}/x/../inner`]) {
    const refused = await daemon.cli('share', spelled)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(insideMessage)
  }
  const holding = await daemon.cli('share', holder)
  expect(holding.code).toBe(1)
  expect(holding.stderr).toContain(`'${holder}' contains the share '${join(holder, 'held')}'`)
  const attached = await daemon.cli('attach', code, join(daemon.folder, 'joined'), '--wait', '0')
  expect(attached.code).toBe(1)
  expect(attached.stderr).toContain(`'${daemon.folder}/joined' is inside the share '${daemon.folder}'`)
  expect(await exists(join(daemon.folder, 'joined'))).toBe(false) // no folder made for the refused join
  const answers = await converse(
    join(daemon.state, 'control'),
    [JSON.stringify({ type: 'create_share', path: inner }), JSON.stringify({ type: 'list_shares' })],
    3,
  )
  expect(answers[1]).toEqual({ error: 'EEXIST', message: insideMessage })
  expect(Object.keys((answers[2] as { shares: object }).shares).sort()).toEqual(
    [daemon.folder, join(holder, 'held')].sort(),
  )
})

it('a refused attach removes the folders it made for the join, never one the person had', async () => {
  const daemon = await makeDaemon('unmade')
  // The engine refuses a code made on this device only once the folder is there.
  const code = String((await daemon.json('share', daemon.folder)).access_code)
  const attach = async (path: string, refusal: string): Promise<void> => {
    const refused = await daemon.cli('attach', code, path, '--wait', '0')
    expect(refused.code, refused.stdout).toBe(1)
    expect(refused.stderr).toContain(refusal)
  }
  const ownCode = 'that access code was made on this device'
  await attach(join(daemon.root, 'new', 'deeper'), ownCode)
  expect(await exists(join(daemon.root, 'new'))).toBe(false)
  const mine = join(daemon.root, 'mine')
  await mkdir(mine)
  await attach(mine, ownCode)
  expect(await exists(mine)).toBe(true)
  await attach(join(mine, 'deeper'), ownCode)
  expect(await exists(join(mine, 'deeper'))).toBe(false)
  expect(await exists(mine)).toBe(true)
  // Refused by the daemon's own check once made: through the link, the folder is in the state folder.
  await symlink(daemon.state, join(daemon.root, 'link'))
  await attach(join(daemon.root, 'link', 'joined'), 'state folder')
  expect(await exists(join(daemon.state, 'joined'))).toBe(false)
  const { shares } = await daemon.json('list')
  expect(Object.keys(shares as object)).toEqual([daemon.folder])
})
