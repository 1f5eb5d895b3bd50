/** Two daemons that know nothing of each other but a tracker (the signaling server's TCP tracker). */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { eventually, makeDaemon, share, startTracker, stopAll, treeOf } from './daemons'

let closeTracker = (): void => {}
afterAll(async () => {
  await stopAll()
  closeTracker()
})

it(
  'attach finds the code creator through the tracker, a multi-use code serves two newcomers, and the share keeps syncing',
  { timeout: 120_000 },
  async () => {
    const tracker = await startTracker()
    closeTracker = tracker.close
    const flags = ['--listen', '127.0.0.1:0', '--no-lan', '--tracker', tracker.address]
    const [alice, bob, carol] = await Promise.all([
      makeDaemon('alice', flags),
      makeDaemon('bob', flags),
      makeDaemon('carol', flags),
    ])
    await writeFile(join(alice.folder, 'found.txt'), 'via the tracker')
    const code = await share(alice, '--multi-use', '--expires', '1h')
    await eventually(async () => expect(await alice.json('status')).toMatchObject({ tracking: true }))

    const attached = await bob.cli('attach', code, bob.folder)
    expect(attached.stderr).toBe('')
    expect(attached.stdout).toContain('Joined')
    await eventually(async () => expect(await treeOf(bob.folder)).toEqual(await treeOf(alice.folder)))

    // After the join both register the share's key ID and find each other under it.
    const peers = (await bob.json('peers')) as { shares: Record<string, { addresses: string[] }> }
    expect(peers.shares[bob.folder]?.addresses).toContain(alice.address)
    await writeFile(join(bob.folder, 'reply.txt'), 'back through the same link')
    await eventually(async () => expect(await treeOf(alice.folder)).toEqual(await treeOf(bob.folder)))

    expect((await carol.cli('attach', code, carol.folder)).stdout).toContain('Joined')
    await eventually(async () => expect(await treeOf(carol.folder)).toEqual(await treeOf(bob.folder)))
  },
)
