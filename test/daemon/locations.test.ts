/**
 * Where a share may be: never over or inside the daemon's own state folder, whose databases and
 * log the daemon writes all the time (a share holding them rescans forever and syncs them).
 */
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { makeDaemon, stopAll } from './daemons'

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
