/** Pausing (directory.md, "Computer Resources": "It should let the user pause sync activity"). Real engines, TCP, TLS-SRP. */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { converge, exists, scan, shareAndJoin, startPeer, stopAndRemove, type TestPeer } from './peers'

const peers: TestPeer[] = []
afterAll(() => stopAndRemove(peers))

describe('pause', () => {
  it('holds even for a connection that was being made when it came', async () => {
    const [a, b] = [await startPeer('alice'), await startPeer('bob')]
    peers.push(a, b)
    await writeFile(join(a.folder, 'before.txt'), 'before')
    await shareAndJoin(a, b)
    await converge([a, b])

    b.engine.pause()
    // Resuming dials Alice again; the user pauses before that connection is through.
    b.engine.resume()
    b.engine.pause()
    await writeFile(join(a.folder, 'while-paused.txt'), 'must wait for resume')
    await scan(a)
    await new Promise((r) => setTimeout(r, 1_500))
    expect(b.engine.isPaused).toBe(true)
    expect(b.engine.share(b.folder).connections.links.size).toBe(0)
    expect(await exists(join(b.folder, 'while-paused.txt'))).toBe(false)
  }, 30_000)
})
