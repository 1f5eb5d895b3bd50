/**
 * issue 4, "Tests": edits while a peer is offline. Both sides edit the same file while
 * disconnected, and both versions survive on every peer; and database.md's "ghost" scenario at
 * the engine level: a deletion made while C was offline is never undone by C coming back.
 */
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { fileValueOf } from '../../src/protocol/directory/record-view'
import {
  converge,
  eventually,
  exists,
  stopAndRemove,
  scan,
  shareAndJoin,
  startPeer,
  type TestPeer,
} from './peers'

let peers: TestPeer[] = []
afterEach(async () => {
  await stopAndRemove(peers)
  peers = []
})

/** Restarts a stopped peer, scans what changed while it was down, then dials `to`. */
async function comeBack(peer: TestPeer, to: TestPeer): Promise<void> {
  await peer.restart()
  await scan(peer)
  await peer.engine.addPeerAddress(peer.folder, to.address)
}

describe('offline edits', () => {
  it('both sides edit the same file while disconnected: both versions exist everywhere', async () => {
    const [a, b] = [await startPeer('alice'), await startPeer('bob')]
    peers.push(a, b)
    await writeFile(join(a.folder, 'report.txt'), 'original')
    await shareAndJoin(a, b)
    await converge([a, b])

    await b.stop()
    await writeFile(join(a.folder, 'report.txt'), 'alice version')
    await scan(a)
    await new Promise((r) => setTimeout(r, 20)) // Bob's edit is the later one
    await writeFile(join(b.folder, 'report.txt'), 'bob version, longer')
    await comeBack(b, a)

    const tree = await converge([a, b])
    const conflicts = [...tree.keys()].filter((k) => /^report\.CONFLICT\.[0-9A-Za-z]{8}\.txt$/.test(k))
    expect(conflicts).toHaveLength(1)
    const contents = new Set([
      await readFile(join(a.folder, 'report.txt'), 'utf8'),
      await readFile(join(a.folder, conflicts[0]!), 'utf8'),
    ])
    expect(contents).toEqual(new Set(['alice version', 'bob version, longer']))
    // The latest update_time wins the name; the loser keeps its content under the conflict name.
    expect(await readFile(join(b.folder, 'report.txt'), 'utf8')).toBe('bob version, longer')

    for (const peer of [a, b]) {
      const db = peer.engine.share(peer.folder).database
      const original = await db.get('/report.txt')
      const copy = await db.get(`/${conflicts[0]}`)
      const value = copy && fileValueOf(copy)
      expect(value?.conflictSource).toBe(original?.uuid)
    }
  }, 60_000)

  it('both sides create the same new file while disconnected: both stay, and a deletion of the winner sticks', async () => {
    const [a, b] = [await startPeer('alice'), await startPeer('bob')]
    peers.push(a, b)
    await writeFile(join(a.folder, 'seed.txt'), 'seed')
    await shareAndJoin(a, b)
    await converge([a, b])

    await b.stop()
    await writeFile(join(a.folder, 'new.txt'), 'alice made it')
    await scan(a)
    await new Promise((r) => setTimeout(r, 20)) // Bob's is the later one: it keeps the name
    await writeFile(join(b.folder, 'new.txt'), 'bob made it too')
    await comeBack(b, a)

    const tree = await converge([a, b])
    const conflicts = [...tree.keys()].filter((k) => /^new\.CONFLICT\.[0-9a-z]{8}\.txt$/.test(k))
    expect(conflicts).toHaveLength(1)
    expect(await readFile(join(a.folder, 'new.txt'), 'utf8')).toBe('bob made it too')
    expect(await readFile(join(a.folder, conflicts[0]!), 'utf8')).toBe('alice made it')

    // Deleting the file deletes it: Alice's losing version does not take the name back.
    await rm(join(b.folder, 'new.txt'))
    await scan(b)
    await eventually(async () => expect(await exists(join(a.folder, 'new.txt'))).toBe(false))
    await new Promise((r) => setTimeout(r, 500))
    for (const peer of [a, b]) {
      expect(await exists(join(peer.folder, 'new.txt'))).toBe(false)
      expect(await peer.engine.share(peer.folder).database.get('/new.txt')).toBeUndefined()
    }
  }, 60_000)

  it('the ghost scenario: a record deleted while C was offline never reappears', async () => {
    const [a, b, c] = [await startPeer('alice'), await startPeer('bob'), await startPeer('carol')]
    peers.push(a, b, c)
    await writeFile(join(a.folder, 'ghost.txt'), 'boo')
    await writeFile(join(a.folder, 'stays.txt'), 'here')
    // 1. Peers A, B and C know about a record.
    await shareAndJoin(a, b)
    await shareAndJoin(a, c)
    await converge([a, b, c])
    // 2. Only A and B are running.
    await c.stop()
    // 3. The record is deleted on A; 4. B also deletes its record.
    await rm(join(a.folder, 'ghost.txt'))
    await scan(a)
    await eventually(async () => expect(await exists(join(b.folder, 'ghost.txt'))).toBe(false))
    // 5. A disconnects.
    await a.stop()
    // 6. C connects to B: C still has the record, B has its tombstone.
    await comeBack(c, b)
    await eventually(async () => expect(await exists(join(c.folder, 'ghost.txt'))).toBe(false))
    expect(await exists(join(b.folder, 'ghost.txt'))).toBe(false)
    // 7. A reconnects to B.
    await a.restart()
    await a.engine.addPeerAddress(a.folder, b.address)
    await eventually(() => expect(a.engine.share(a.folder).connections.links.size).toBe(1))
    await converge([a, b, c])
    await new Promise((r) => setTimeout(r, 1_000))
    for (const peer of [a, b, c]) {
      expect(await exists(join(peer.folder, 'ghost.txt'))).toBe(false)
      expect(await peer.engine.share(peer.folder).database.get('/ghost.txt')).toBeUndefined()
      expect(await exists(join(peer.folder, 'stays.txt'))).toBe(true)
    }
  }, 60_000)
})
