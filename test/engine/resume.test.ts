/**
 * issue 4, "Tests": a transfer cut halfway resumes from where it stopped, and the half file is
 * never visible in place of the real one. Bob fetches a new 24 MB version of a file through a
 * slow proxy; the proxy drops the connection a third of the way (Bob reconnects), then Bob is
 * stopped two thirds of the way (he restarts). The old version stays in place until the new one is
 * complete, and the bytes fetched add up to the file once, not once per attempt.
 */
import { readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { TEMP_SUFFIX } from '../../src/protocol/directory/ignore'
import {
  converge,
  eventually,
  fileHash,
  stopAndRemove,
  scan,
  startPeer,
  writeRandomFile,
  type TestPeer,
} from './peers'
import { throttleProxy, type ThrottleProxy } from './throttle-proxy'

const SIZE = 24 * 1024 * 1024
const RATE = 8 * 1024 * 1024

const peers: TestPeer[] = []
const proxies: ThrottleProxy[] = []
afterAll(async () => {
  for (const p of proxies) await p.close()
  await stopAndRemove(peers)
})

function received(peer: TestPeer): number {
  return peer.engine.share(peer.folder).status().progress.bytesReceived
}

async function tempSize(folder: string): Promise<number> {
  const temp = (await readdir(folder)).find((name) => name.endsWith(TEMP_SUFFIX))
  return temp === undefined ? 0 : (await stat(join(folder, temp))).size
}

describe('a transfer cut halfway', () => {
  it('resumes where it stopped, and the old file stays until the new one is whole', async () => {
    const [a, b] = [await startPeer('alice'), await startPeer('bob')]
    peers.push(a, b)
    await writeFile(join(a.folder, 'big.bin'), 'version one')
    const first = await throttleProxy(a.address, RATE)
    proxies.push(first)
    // Bob reaches Alice only through the proxy.
    const share = await a.engine.createShare(a.folder)
    await share.scan()
    const { code } = await a.engine.createAccessCode(a.folder, 'read_write')
    await b.engine.addShare(code, b.folder, [first.address])
    await converge([a, b])
    const oldHash = await fileHash(join(b.folder, 'big.bin'))

    await writeRandomFile(join(a.folder, 'big.bin'), SIZE, 7)
    const newHash = await fileHash(join(a.folder, 'big.bin'))
    await scan(a)

    // Cut 1: the network drops a third of the way in.
    await eventually(() => expect(received(b)).toBeGreaterThan(SIZE / 3), 20_000, 20)
    first.cut()
    expect(await fileHash(join(b.folder, 'big.bin'))).toBe(oldHash)
    const afterCut1 = received(b)
    expect(afterCut1).toBeLessThan(SIZE)

    const second = await throttleProxy(a.address, RATE)
    proxies.push(second)
    await b.engine.addPeerAddress(b.folder, second.address)
    // Cut 2: Bob's engine stops two thirds of the way in; the partial file stays on disk.
    await eventually(() => expect(received(b)).toBeGreaterThan((2 * SIZE) / 3), 20_000, 20)
    const fetchedBeforeStop = received(b)
    await b.stop()
    expect(await fileHash(join(b.folder, 'big.bin'))).toBe(oldHash)
    const partial = await tempSize(b.folder)
    expect(partial).toBeGreaterThan(SIZE / 3)
    // Both attempts so far appended to one partial file: nothing was fetched twice.
    expect(fetchedBeforeStop).toBeLessThanOrEqual(partial + 4 * 1024 * 1024)

    await b.restart()
    await b.engine.addPeerAddress(b.folder, a.address)
    const tree = await converge([a, b], 30_000)
    expect(tree.get('big.bin')).toBe(newHash)
    // The restarted engine fetched only what the partial file lacked.
    // (A write still under way as Bob stopped may have made the partial file a little longer.)
    expect(received(b)).toBeLessThanOrEqual(SIZE - partial)
    expect(received(b)).toBeGreaterThan(SIZE - partial - 1024 * 1024)
    expect(await tempSize(b.folder)).toBe(0)
    expect(b.logs.filter((l) => /does not continue|did not match/.test(l))).toEqual([])
  }, 90_000)
})
