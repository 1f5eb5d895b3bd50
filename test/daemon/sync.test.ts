/**
 * Two daemons driven only through the CLI: share on one, attach on the other with --peer, then
 * edits, deletions and renames both ways converge through the folder watchers; a one-time code
 * works once; a read-only member receives but cannot push.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { eventually, makeDaemon, share, stopAll, treeOf } from './daemons'

afterAll(stopAll)

describe('two daemons through the CLI', { timeout: 120_000 }, () => {
  it('attach --peer, then edits, deletions and renames converge both ways; a one-time code works once', async () => {
    const [alice, bob] = await Promise.all([makeDaemon('alice'), makeDaemon('bob')])
    await mkdir(join(alice.folder, 'docs/deep'), { recursive: true })
    await writeFile(join(alice.folder, 'docs/readme.txt'), 'hello from alice\n')
    await writeFile(join(alice.folder, 'docs/deep/big.bin'), Buffer.alloc(2_000_000, 3))
    const code = await share(alice)
    expect(code).toMatch(/^SYNC[A-Z2-7]{29}$/)

    const attached = await bob.cli('attach', code, bob.folder, '--peer', alice.address)
    expect(attached.stderr).toBe('')
    expect(attached.stdout).toContain('Joined')
    await eventually(async () => expect(await treeOf(bob.folder)).toEqual(await treeOf(alice.folder)))

    // Bob edits, adds and deletes; nobody calls scan: the watcher notices.
    await writeFile(join(bob.folder, 'docs/readme.txt'), 'edited by bob\n')
    await writeFile(join(bob.folder, 'from-bob.txt'), 'new')
    await eventually(async () => expect(await treeOf(alice.folder)).toEqual(await treeOf(bob.folder)))
    expect(await readFile(join(alice.folder, 'docs/readme.txt'), 'utf8')).toBe('edited by bob\n')
    await rm(join(bob.folder, 'from-bob.txt'))
    await eventually(async () => expect(await treeOf(alice.folder)).toEqual(await treeOf(bob.folder)))

    // Alice renames a file and a folder, and deletes one.
    await rename(join(alice.folder, 'docs/deep/big.bin'), join(alice.folder, 'moved.bin'))
    await rename(join(alice.folder, 'docs'), join(alice.folder, 'papers'))
    await eventually(async () => expect(await treeOf(bob.folder)).toEqual(await treeOf(alice.folder)))
    expect([...(await treeOf(bob.folder)).keys()].sort()).toEqual([
      'moved.bin',
      'papers/',
      'papers/deep/',
      'papers/readme.txt',
    ])

    // What the commands show.
    const list = (await bob.json('list')) as {
      shares: Record<string, { state: string; access_level: string; peers: number }>
    }
    expect(list.shares[bob.folder]).toMatchObject({ access_level: 'read_write', peers: 1 })
    expect((await alice.cli('list')).stdout).toMatch(/PATH\s+ACCESS\s+FILES\s+PEERS\s+STATE/)
    const peers = (await alice.json('peers')) as { shares: Record<string, { connected: unknown[] }> }
    expect(peers.shares[alice.folder]?.connected).toHaveLength(1)
    const status = await alice.json('status')
    expect(status).toMatchObject({ paused: false, tracking: false, nat_punctured: false, shares: 1 })

    // The code was used: a third daemon is refused, clearly, and nothing stays pending.
    const carol = await makeDaemon('carol')
    const again = await carol.cli('attach', code, carol.folder, '--peer', alice.address)
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(
      /refused this access code: it was already used, has expired or was cancelled/,
    )
    expect(((await carol.json('list')) as { shares: object }).shares).toEqual({})
  })

  it('a read-only member receives but cannot push', async () => {
    const [alice, dave] = await Promise.all([makeDaemon('alice-ro'), makeDaemon('dave')])
    await writeFile(join(alice.folder, 'shared.txt'), 'v1')
    const code = await share(alice, '--mode', 'read_only')
    expect((await dave.cli('attach', code, dave.folder, '--peer', alice.address)).stdout).toContain('Joined')
    await eventually(async () => expect(await treeOf(dave.folder)).toEqual(await treeOf(alice.folder)))
    const list = (await dave.json('list')) as { shares: Record<string, { access_level: string }> }
    expect(list.shares[dave.folder]?.access_level).toBe('read_only')

    await writeFile(join(dave.folder, 'shared.txt'), 'tampered')
    await writeFile(join(dave.folder, 'sneaky.txt'), 'nope')
    // Alice's own edit still reaches Dave, so the link is up while Dave's changes go nowhere.
    await writeFile(join(alice.folder, 'later.txt'), 'from alice')
    await eventually(async () =>
      expect(await readFile(join(dave.folder, 'later.txt'), 'utf8')).toBe('from alice'),
    )
    await new Promise((r) => setTimeout(r, 1500))
    expect(await readFile(join(alice.folder, 'shared.txt'), 'utf8')).toBe('v1')
    expect([...(await treeOf(alice.folder)).keys()].sort()).toEqual(['later.txt', 'shared.txt'])
  })

  it('explains a daemon that is not running, a bad code and a bad setting', async () => {
    const erin = await makeDaemon('erin')
    const bad = await erin.cli('attach', 'SYNC-not-a-code', join(erin.folder, 'x'))
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/access code/)
    const setting = await erin.cli('config', 'set', 'upload_limit', 'lots')
    expect(setting.stderr).toMatch(/upload_limit must be a whole number/)
    expect((await erin.cli('config', 'set', 'upload_limit', '1000')).code).toBe(0)
    expect(await erin.json('config', 'get', 'upload_limit')).toEqual({ value: 1000 })
    await erin.stop()
    const down = await erin.cli('status')
    expect(down.code).toBe(1)
    expect(down.stderr).toContain('the daemon is not running')
    expect(down.stderr).toContain('clearskies start')
  })
})
