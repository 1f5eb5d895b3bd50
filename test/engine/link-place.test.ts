import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { eventually, startPeer, type TestPeer } from './peers'

let peers: TestPeer[] = []

afterEach(async () => {
  for (const p of peers) await p.stop()
  peers = []
})

describe('Engine.linkPlace', () => {
  it('tells where each open link runs, and forgets it when the link closes', async () => {
    const a = await startPeer('alice')
    const b = await startPeer('bob')
    peers.push(a, b)
    await a.engine.createShare(a.folder)
    const { code } = await a.engine.createAccessCode(a.folder, 'read_write')
    await b.engine.addShare(code, b.folder, [a.address])
    await eventually(() => expect(b.engine.shareList[0]?.connections.links.size).toBe(1))
    const [bLink] = b.engine.share(b.folder).connections.links.keys()
    const [aLink] = a.engine.share(a.folder).connections.links.keys()
    expect(b.engine.linkPlace(bLink!)).toBe(a.address)
    expect(a.engine.linkPlace(aLink!)).toBe('tcp:127.0.0.1')

    b.engine.pause()
    await eventually(() => expect(b.engine.linkPlace(bLink!)).toBeUndefined())
  })
})

describe('DirectoryShare.linkRates', () => {
  it('measures what each link sent and received', async () => {
    const a = await startPeer('alice')
    const b = await startPeer('bob')
    peers.push(a, b)
    await writeFile(join(a.folder, 'big.bin'), Buffer.alloc(400_000, 1))
    await (await a.engine.createShare(a.folder)).scan()
    const { code } = await a.engine.createAccessCode(a.folder, 'read_write')
    await b.engine.addShare(code, b.folder, [a.address])
    await eventually(() => expect(b.engine.shareList[0]?.directory.holds('/big.bin')).toBe(true))
    const [bLink] = b.engine.share(b.folder).connections.links.keys()
    const [aLink] = a.engine.share(a.folder).connections.links.keys()
    expect(b.engine.share(b.folder).directory.linkRates().get(bLink!)?.downloadRate).toBeGreaterThan(0)
    expect(a.engine.share(a.folder).directory.linkRates().get(aLink!)?.uploadRate).toBeGreaterThan(0)
  })
})
