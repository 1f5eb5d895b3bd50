/**
 * What must not hurt a daemon's users: a peer sending garbage or guessing codes (the others go on
 * syncing), and a share folder that vanishes (an error state, and nothing deleted anywhere).
 */
import { connect } from 'node:net'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { runCli } from '../cli/run-cli'
import { eventually, makeDaemon, share, stopAll, treeOf } from './daemons'

afterAll(stopAll)

function sendGarbage(address: string): Promise<void> {
  const [host, port] = address.replace(/^tcp:/, '').split(':') as [string, string]
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port) }, () => socket.end(Buffer.alloc(5000, 0x16)))
    socket.on('error', () => resolve())
    socket.on('close', () => resolve())
    socket.resume()
  })
}

it(
  'keeps serving while a peer misbehaves; a vanished folder is an error, not a deletion',
  { timeout: 120_000 },
  async () => {
    const [alice, bob, mallory] = await Promise.all([
      makeDaemon('alice-robust'),
      makeDaemon('bob-robust'),
      makeDaemon('mallory'),
    ])
    await writeFile(join(alice.folder, 'precious.txt'), 'keep me')
    const code = await share(alice)
    expect((await bob.cli('attach', code, bob.folder, '--peer', alice.address)).stdout).toContain('Joined')
    await eventually(async () => expect(await treeOf(bob.folder)).toEqual(await treeOf(alice.folder)))

    await Promise.all([sendGarbage(alice.address), sendGarbage(alice.address)])
    const guess = (await runCli(['code', 'new'])).stdout.trim() // a well-formed code alice never made
    const refused = await mallory.cli('attach', guess, join(mallory.root, 'stolen'), '--peer', alice.address)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('refused this access code')

    await writeFile(join(alice.folder, 'still.txt'), 'syncing')
    await eventually(async () =>
      expect(await readFile(join(bob.folder, 'still.txt'), 'utf8')).toBe('syncing'),
    )

    await rm(alice.folder, { recursive: true })
    await eventually(async () => {
      const list = (await alice.json('list')) as { shares: Record<string, { state: string }> }
      expect(list.shares[alice.folder]?.state).toBe('error')
    })
    expect((await alice.cli('list')).stdout).toMatch(/error: /)
    await new Promise((r) => setTimeout(r, 2000))
    expect(await readFile(join(bob.folder, 'precious.txt'), 'utf8')).toBe('keep me')
    expect(await readFile(join(bob.folder, 'still.txt'), 'utf8')).toBe('syncing')
  },
)
