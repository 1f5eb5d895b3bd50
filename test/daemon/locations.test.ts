/**
 * Where a share may be: never over or inside the daemon's own state folder, whose databases and
 * log the daemon writes all the time (a share holding them rescans forever and syncs them).
 */
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { converse, makeDaemon, stopAll } from './daemons'

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
