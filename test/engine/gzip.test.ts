/**
 * The gzip extension (gzip.md) between two engines: negotiated when both offer it, switched on
 * right after core.start in both directions, and what crosses the network is compressed; a peer
 * that does not offer it still syncs, uncompressed. Incompressible data goes as stored blocks.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { converge, eventually, stopAndRemove, startPeer, writeRandomFile, type TestPeer } from './peers'
import { throttleProxy, type ThrottleProxy } from './throttle-proxy'

let peers: TestPeer[] = []
let proxies: ThrottleProxy[] = []
afterEach(async () => {
  for (const p of proxies) await p.close()
  await stopAndRemove(peers)
  peers = []
  proxies = []
})

/** Bob joins Alice through a proxy that counts the bytes coming back from her. */
async function throughProxy(a: TestPeer, b: TestPeer): Promise<ThrottleProxy> {
  const proxy = await throttleProxy(a.address, 1024 * 1024 * 1024)
  proxies.push(proxy)
  await (await a.engine.createShare(a.folder)).scan()
  const { code } = await a.engine.createAccessCode(a.folder, 'read_write')
  await b.engine.addShare(code, b.folder, [proxy.address])
  return proxy
}

const TEXT_BYTES = 4 * 1024 * 1024

describe('gzip', () => {
  it('is negotiated when both offer it, and compresses what crosses the network', async () => {
    const [a, b] = [await startPeer('alice'), await startPeer('bob')]
    peers.push(a, b)
    await writeFile(
      join(a.folder, 'text.txt'),
      'the same line of text, again and again\n'.repeat(TEXT_BYTES / 38),
    )
    await writeRandomFile(join(a.folder, 'noise.bin'), 1024 * 1024, 5)
    const proxy = await throughProxy(a, b)
    await converge([a, b])
    for (const peer of [a, b]) expect(peer.logs.some((l) => l.endsWith('gzip on'))).toBe(true)
    expect(b.engine.share(b.folder).connections.links.size).toBe(1)
    // 4 MiB of text shrinks to almost nothing; the 1 MiB of noise goes stored, barely larger.
    expect(proxy.downstreamBytes).toBeLessThan(1.5 * 1024 * 1024)
  })

  it('stays off when one side does not offer it, and the peers still sync', async () => {
    const a = await startPeer('alice')
    const b = await startPeer('bob', undefined, { gzip: false })
    peers.push(a, b)
    await writeFile(join(a.folder, 'text.txt'), 'x'.repeat(1024 * 1024))
    const proxy = await throughProxy(a, b)
    await converge([a, b])
    await eventually(() => expect(b.engine.share(b.folder).connections.links.size).toBe(1))
    for (const peer of [a, b]) expect(peer.logs.some((l) => l.endsWith('gzip on'))).toBe(false)
    expect(proxy.downstreamBytes).toBeGreaterThan(1024 * 1024)
  })
})
