import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { eventually, startPeer, treeOf, type TestPeer } from './peers'
import { throttleProxy } from './throttle-proxy'

let peers: TestPeer[] = []

afterEach(async () => {
  for (const p of peers) await p.stop()
  peers = []
})

async function pair(mode: 'read_write' | 'read_only' = 'read_write') {
  const a = await startPeer('alice')
  const b = await startPeer('bob')
  peers.push(a, b)
  const share = await a.engine.createShare(a.folder)
  await share.scan()
  const { code } = await a.engine.createAccessCode(a.folder, mode)
  await b.engine.addShare(code, b.folder, [a.address])
  return { a, b }
}

describe('two peers over TCP with TLS-SRP', () => {
  it('joins with an access code and syncs a tree both ways, then edits, deletes and renames', async () => {
    const a = await startPeer('alice')
    const b = await startPeer('bob')
    peers.push(a, b)
    await mkdir(join(a.folder, 'docs/nested/empty'), { recursive: true })
    await writeFile(join(a.folder, 'docs/readme.txt'), 'hello from alice\n')
    await writeFile(join(a.folder, 'docs/nested/données ü.bin'), Buffer.alloc(300_000, 7))
    await writeFile(join(a.folder, 'empty.txt'), '')
    await writeFile(join(a.folder, 'with space.txt'), 'spaces')
    const share = await a.engine.createShare(a.folder)
    await share.scan()

    const { code } = await a.engine.createAccessCode(a.folder, 'read_write')
    await b.engine.addShare(code, b.folder, [a.address])
    await eventually(async () => expect(await treeOf(b.folder)).toEqual(await treeOf(a.folder)))

    // Bob edits, adds and deletes; Alice gets it.
    await writeFile(join(b.folder, 'docs/readme.txt'), 'edited by bob\n')
    await writeFile(join(b.folder, 'from-bob.txt'), 'new')
    await rm(join(b.folder, 'with space.txt'))
    await b.engine.share(b.folder).scan()
    await eventually(async () => expect(await treeOf(a.folder)).toEqual(await treeOf(b.folder)))
    expect(await readFile(join(a.folder, 'docs/readme.txt'), 'utf8')).toBe('edited by bob\n')

    // Alice renames a big file: Bob moves it rather than fetching it again.
    await rename(join(a.folder, 'docs/nested/données ü.bin'), join(a.folder, 'moved.bin'))
    await a.engine.share(a.folder).scan()
    await eventually(async () => expect(await treeOf(b.folder)).toEqual(await treeOf(a.folder)))
    expect(b.logs.some((l) => l.includes('moved /docs/nested/données ü.bin to /moved.bin'))).toBe(true)
  })

  it('a peer that dials again while its first link still looks open to the other keeps the new link', async () => {
    const { a, b } = await pair()
    await eventually(() => expect(b.engine.share(b.folder).connections.links.size).toBe(1))
    const [first] = b.engine.share(b.folder).connections.links.keys()
    const proxy = await throttleProxy(a.address, 1024 * 1024 * 1024)
    await b.engine.addPeerAddress(b.folder, proxy.address)
    await eventually(() => {
      const links = [...b.engine.share(b.folder).connections.links.keys()]
      expect(links).toHaveLength(1)
      expect(links[0]).not.toBe(first)
      expect(a.engine.share(a.folder).connections.links.size).toBe(1)
    })
    // And it carries the sync.
    await writeFile(join(a.folder, 'after.txt'), 'over the new link')
    await a.engine.share(a.folder).scan()
    await eventually(async () =>
      expect(await readFile(join(b.folder, 'after.txt'), 'utf8')).toBe('over the new link'),
    )
    await proxy.close()
  })

  it('a one-time code works once', async () => {
    const { a, b } = await pair()
    await eventually(() => expect(a.engine.accessCodes[0]?.grant.uses).toBe(1))
    const [grant] = a.engine.accessCodes
    expect(b.engine.shareList.length).toBe(1)
    const c = await startPeer('carol')
    peers.push(c)
    await c.engine.addShare(grant!.code, c.folder, [a.address])
    await new Promise((r) => setTimeout(r, 1500))
    expect(c.engine.shareList.length).toBe(0)
    expect(c.logs.join('\n')).toMatch(/connect(ing|ion) to .* failed/)
  })

  it('a read-only peer receives but its local edits change nothing elsewhere', async () => {
    const { a, b } = await pair('read_only')
    await writeFile(join(a.folder, 'shared.txt'), 'v1')
    await a.engine.share(a.folder).scan()
    await eventually(async () => expect(await treeOf(b.folder)).toEqual(await treeOf(a.folder)))
    expect(b.engine.share(b.folder).stored.accessLevel).toBe('read_only')

    await writeFile(join(a.folder, 'keep.txt'), 'keep')
    await a.engine.share(a.folder).scan()
    await eventually(async () => expect(await treeOf(b.folder)).toEqual(await treeOf(a.folder)))

    await writeFile(join(b.folder, 'shared.txt'), 'tampered')
    await writeFile(join(b.folder, 'sneaky.txt'), 'nope')
    await rm(join(b.folder, 'keep.txt'))
    await b.engine.share(b.folder).scan()
    await new Promise((r) => setTimeout(r, 1000))
    expect(await readFile(join(a.folder, 'shared.txt'), 'utf8')).toBe('v1')
    expect(await readFile(join(a.folder, 'keep.txt'), 'utf8')).toBe('keep')
    expect((await treeOf(a.folder)).has('sneaky.txt')).toBe(false)
    expect(b.logs.join('\n')).toMatch(/local change\(s\) not shared: this device has read-only access/)

    // A new version from Alice still lands on Bob; his local edit is kept beside it, never lost,
    // and stays on his device only.
    await writeFile(join(a.folder, 'shared.txt'), 'v2 from alice')
    await a.engine.share(a.folder).scan()
    await eventually(async () =>
      expect(await readFile(join(b.folder, 'shared.txt'), 'utf8')).toBe('v2 from alice'),
    )
    const bobs = [...(await treeOf(b.folder)).keys()].filter((k) => k.startsWith('shared.CONFLICT.'))
    expect(bobs).toHaveLength(1)
    expect(await readFile(join(b.folder, bobs[0]!), 'utf8')).toBe('tampered')
    await new Promise((r) => setTimeout(r, 500))
    expect([...(await treeOf(a.folder)).keys()].sort()).toEqual(['keep.txt', 'shared.txt'])
  })
})
