/**
 * Durability through the CLI: a kill -9 right after a code was printed, or in the middle of a
 * transfer, loses nothing (SQLite WAL, temporary files verified before the rename), and a
 * restarted daemon resumes; a graceful restart keeps every share and catches up.
 */
import { randomBytes } from 'node:crypto'
import { readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { eventually, makeDaemon, share, stopAll, treeOf } from './daemons'

afterAll(stopAll)

const BIG_BYTES = 20_000_000
/** Enough of the download to be sure it is under way, well short of its end. */
const KILL_AFTER_BYTES = 2_000_000
/**
 * Bob's download limit until the kill (bytes a second): the download takes seconds, not the
 * tenth of a second it takes on loopback, which could fall between two looks at the partial file.
 */
const SLOW_BYTES_PER_SECOND = 4_000_000

async function partialBytes(folder: string): Promise<number> {
  const temp = (await readdir(folder)).find((name) => name.endsWith('.!clearsky'))
  return temp === undefined ? 0 : (await stat(join(folder, temp))).size
}

describe('kill -9 and restarts', { timeout: 180_000 }, () => {
  it('a code printed just before a kill -9 still works after the restart', async () => {
    const [alice, bob] = await Promise.all([makeDaemon('alice'), makeDaemon('bob')])
    await writeFile(join(alice.folder, 'kept.txt'), 'survives')
    const code = await share(alice)
    alice.kill()
    await alice.start()
    expect((await bob.cli('attach', code, bob.folder, '--peer', alice.address)).stdout).toContain('Joined')
    await eventually(async () => expect(await treeOf(bob.folder)).toEqual(await treeOf(alice.folder)))
  })

  it('a download killed half-way resumes after the restart and ends intact', async () => {
    const [alice, bob] = await Promise.all([makeDaemon('alice-big'), makeDaemon('bob-big')])
    await writeFile(join(alice.folder, 'big.bin'), randomBytes(BIG_BYTES))
    await writeFile(join(alice.folder, 'small.txt'), 'small')
    const code = await share(alice)
    expect((await bob.cli('config', 'set', 'download_limit', String(SLOW_BYTES_PER_SECOND))).code).toBe(0)
    expect((await bob.cli('attach', code, bob.folder, '--peer', alice.address)).stdout).toContain('Joined')
    await eventually(
      async () => expect(await partialBytes(bob.folder)).toBeGreaterThanOrEqual(KILL_AFTER_BYTES),
      60_000,
      20,
    )
    bob.kill()
    const partial = await partialBytes(bob.folder)
    expect(partial).toBeLessThan(BIG_BYTES)

    // Alice goes on serving while Bob is gone; Bob comes back and finishes.
    expect(await alice.json('status')).toMatchObject({ paused: false })
    await bob.start()
    expect((await bob.cli('config', 'set', 'download_limit', '0')).code).toBe(0)
    await eventually(async () => expect(await treeOf(bob.folder)).toEqual(await treeOf(alice.folder)), 60_000)
    expect((await readdir(bob.folder)).filter((n) => n.endsWith('.!clearsky'))).toEqual([])
  })

  it('a stopped daemon keeps its shares and catches up with what changed meanwhile', async () => {
    const [alice, bob] = await Promise.all([makeDaemon('alice-restart'), makeDaemon('bob-restart')])
    await writeFile(join(alice.folder, 'one.txt'), '1')
    const code = await share(alice)
    await bob.cli('attach', code, bob.folder, '--peer', alice.address)
    await eventually(async () => expect(await treeOf(bob.folder)).toEqual(await treeOf(alice.folder)))

    await bob.stop()
    await writeFile(join(alice.folder, 'two.txt'), '2')
    await bob.start()
    const list = (await bob.json('list')) as { shares: Record<string, { access_level: string }> }
    expect(list.shares[bob.folder]?.access_level).toBe('read_write')
    await eventually(async () => expect(await treeOf(bob.folder)).toEqual(await treeOf(alice.folder)))

    // Pause survives a restart too.
    await bob.json('pause')
    await bob.stop()
    await bob.start()
    expect(await bob.json('status')).toMatchObject({ paused: true })
    await bob.json('resume')
  })
})
