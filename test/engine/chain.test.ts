/** issue 4, "Tests": three peers in a chain (A-B-C, A and C never connected) converge through B. */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { converge, stopAndRemove, scan, shareAndJoin, startPeer, type TestPeer } from './peers'

const peers: TestPeer[] = []
afterAll(() => stopAndRemove(peers))

describe('three peers in a chain', () => {
  it('A and C never connect, yet converge through B', async () => {
    const [a, b, c] = [await startPeer('alice'), await startPeer('bob'), await startPeer('carol')]
    peers.push(a, b, c)
    await mkdir(join(a.folder, 'from a'), { recursive: true })
    await writeFile(join(a.folder, 'from a/one.txt'), 'one')
    await shareAndJoin(a, b)
    await shareAndJoin(b, c) // Carol's code comes from Bob, and she dials Bob only
    await converge([a, b, c])

    await writeFile(join(c.folder, 'from c.txt'), 'carol wrote this')
    await rename(join(c.folder, 'from a/one.txt'), join(c.folder, 'from a/renamed by c.txt'))
    await scan(c)
    const tree = await converge([a, b, c])
    expect(tree.get('from c.txt')).toBeDefined()
    expect(tree.has('from a/renamed by c.txt')).toBe(true)

    await rm(join(a.folder, 'from c.txt'))
    await writeFile(join(a.folder, 'from a/renamed by c.txt'), 'edited by alice')
    await scan(a)
    const after = await converge([a, b, c])
    expect(after.has('from c.txt')).toBe(false)

    // Alice and Carol never had a link: everything went through Bob.
    const alicePeers = a.engine.share(a.folder).connections.links
    expect([...alicePeers.values()].map((l) => l.sender.remote.name)).toEqual(['bob'])
    expect([...c.engine.share(c.folder).connections.links.values()].map((l) => l.sender.remote.name)).toEqual(
      ['bob'],
    )
  }, 60_000)
})
