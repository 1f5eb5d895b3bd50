/**
 * LAN discovery (core.md, "LAN Broadcast") between two daemons that know nothing of each other.
 * Broadcasts must never leave this machine: both daemons run inside a network namespace this test
 * makes (scripts/netns-run.sh: only `lo` and a veth pair whose two ends stay inside), entered with
 * nsenter; the CLI drives them from outside through their control sockets.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { eventually, makeDaemon, share, stopAll, treeOf } from './daemons'

let namespace: ChildProcess | undefined
afterAll(async () => {
  await stopAll()
  namespace?.kill('SIGKILL')
})

/**
 * Holds a fresh network namespace open (a sleep inside it) and resolves, once its veth pair is up,
 * with the command prefix that runs a program inside it.
 */
async function makeNamespace(): Promise<string[]> {
  namespace = spawn('scripts/netns-run.sh', ['sleep', '600'], { stdio: 'inherit' })
  const pid = namespace.pid as number
  // netns-run.sh makes a user namespace too when not root: entering its network needs that one as well.
  const user = process.getuid?.() === 0 ? [] : ['-U', '--preserve-credentials']
  const inside = ['nsenter', '-t', String(pid), ...user, '-n', '--']
  await eventually(() => {
    const addresses = spawnSync(inside[0] as string, [...inside.slice(1), 'ip', '-br', 'addr'], {
      encoding: 'utf8',
    }).stdout
    expect(addresses).toContain('198.18.0.1/15')
    expect(addresses).toContain('198.18.0.2/15')
  })
  return inside
}

it(
  'attach finds the code creator by LAN broadcast inside a private network namespace',
  { timeout: 120_000 },
  async () => {
    const inside = await makeNamespace()
    // LAN on (no --no-lan): safe only because both live in the namespace.
    const flags = ['--listen', '0.0.0.0:0']
    const [alice, bob] = await Promise.all([
      makeDaemon('alice-lan', flags, inside),
      makeDaemon('bob-lan', flags, inside),
    ])
    await writeFile(join(alice.folder, 'next-door.txt'), 'found by broadcast')
    const code = await share(alice)

    const attached = await bob.cli('attach', code, bob.folder)
    expect(attached.stderr).toBe('')
    expect(attached.stdout).toContain('Joined')
    await eventually(async () => expect(await treeOf(bob.folder)).toEqual(await treeOf(alice.folder)))
    const peers = (await bob.json('peers')) as { shares: Record<string, { addresses: string[] }> }
    expect(peers.shares[bob.folder]?.addresses.some((a) => a.startsWith('tcp:198.18.0.'))).toBe(true)

    await writeFile(join(bob.folder, 'reply.txt'), 'and back')
    await eventually(async () => expect(await treeOf(alice.folder)).toEqual(await treeOf(bob.folder)))
  },
)
