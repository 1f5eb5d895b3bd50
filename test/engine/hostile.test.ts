/**
 * issue 4, "Tests": a hostile peer that speaks the real protocol. Records with unsafe paths, a
 * `size` that lies, data that does not match its SHA-256, and (from a read-only peer) unsigned,
 * forged and tampered updates: each is refused with a logged reason, nothing is written outside
 * the share, the connection survives or is closed cleanly, and the engine keeps running.
 */
import { createHash } from 'node:crypto'
import { readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateRsaKeyPair } from '../../src/protocol/access'
import { parseJson, signBody, type JsonObject } from '../../src/protocol/wire'
import { bodyBytes, connectHostile, forgedUpdate, type HostilePeer } from './hostile-peer'
import { eventually, exists, stopAndRemove, startPeer, treeOf, type TestPeer } from './peers'

const sha = (text: string): string => createHash('sha256').update(text).digest('hex')
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

let a: TestPeer
const hostiles: HostilePeer[] = []

async function hostile(level: 'read_write' | 'read_only'): Promise<HostilePeer> {
  const key = a.engine.share(a.folder).key(level)!
  const peer = await connectHostile(a.address, key.id!, key.key!)
  hostiles.push(peer)
  return peer
}

/** Waits for a log line matching `pattern` and returns it. */
async function logged(pattern: RegExp): Promise<string> {
  let line: string | undefined
  await eventually(() => {
    line = a.logs.find((l) => pattern.test(l))
    expect(line, `a log line matching ${pattern}`).toBeDefined()
  }, 10_000)
  return line!
}

/** A peer sharing a folder that holds one file, `real.txt`. */
async function sharingRealFile(name: string): Promise<TestPeer> {
  const peer = await startPeer(name)
  await writeFile(join(peer.folder, 'real.txt'), 'real content')
  await (await peer.engine.createShare(peer.folder)).scan()
  return peer
}

beforeAll(async () => {
  a = await sharingRealFile('alice')
})

afterAll(async () => {
  for (const h of hostiles) h.close()
  await stopAndRemove([a])
})

describe('a hostile read-write peer', () => {
  it('unsafe paths are refused with a reason and nothing is written outside the share', async () => {
    const h = await hostile('read_write')
    h.serve((sha256) => (sha256 === sha('hello') ? bytes('hello') : undefined))
    const value: JsonObject = { size: 5, sha256: sha('hello') }
    const unsafe = ['/../x', '/a/../../x', '/a\\b', '/a\0b', `/${'y'.repeat(10_000)}`]
    for (const key of unsafe) await h.send(forgedUpdate(h.peerId, key, value))
    // The connection survives: a proper record that follows is fetched from the same peer.
    await h.send(forgedUpdate(h.peerId, '/fine.txt', value))
    await eventually(async () => expect(await readFile(join(a.folder, 'fine.txt'), 'utf8')).toBe('hello'))

    for (const key of unsafe) {
      const reason = await logged(
        new RegExp(
          `not applied to the folder: .*${JSON.stringify(key.slice(0, 12))
            .slice(1, -1)
            .replace(/[\\.]/g, (c) => `\\${c}`)}`,
        ),
      )
      expect(reason.length).toBeGreaterThan(0)
    }
    expect(a.logs.filter((l) => l.includes('not applied to the folder')).length).toBeGreaterThanOrEqual(
      unsafe.length,
    )
    expect((await readdir(join(a.folder, '..'))).sort()).toEqual(['files', 'state'])
    expect([...(await treeOf(a.folder)).keys()].sort()).toEqual(['fine.txt', 'real.txt'])
    expect(a.engine.share(a.folder).connections.links.size).toBe(1)
  })

  it('data that does not match its SHA-256 is refused and never lands', async () => {
    const h = await hostile('read_write')
    h.serve(() => bytes('WORLD')) // the record says "world"
    await h.send(forgedUpdate(h.peerId, '/bad.txt', { size: 5, sha256: sha('world') }))
    await logged(/did not match SHA-256/)
    expect(await exists(join(a.folder, 'bad.txt'))).toBe(false)
    expect(a.engine.share(a.folder).connections.links.size).toBeGreaterThanOrEqual(1)
    expect((await readdir(join(a.folder, '..'))).sort()).toEqual(['files', 'state'])
  })

  it('a size that lies: more data than the record says closes the connection cleanly', async () => {
    const h = await hostile('read_write')
    h.serve(() => bytes('hello, and then some')) // the record says 3 bytes
    await h.send(forgedUpdate(h.peerId, '/liar.txt', { size: 3, sha256: sha('hel') }))
    const reason = await h.closed
    expect(reason).toBeDefined()
    await logged(/sent more than the 3 bytes asked for/)
    expect(await exists(join(a.folder, 'liar.txt'))).toBe(false)
    // The engine goes on: a new connection opens and is served.
    const next = await hostile('read_write')
    await next.send({ type: 'directory.get', sha256: sha('real content'), range: [0, 100] })
    const data = await next.waitFor((m) => m.type === 'directory.data')
    expect(data.body.sha256).toBe(sha('real content'))
  })
})

describe('a hostile read-only peer', () => {
  it('cannot originate, forge or tamper with an update', async () => {
    const h = await hostile('read_only')
    // Unsigned: a read-only connection must relay the read-write signature.
    await h.send(forgedUpdate(h.peerId, '/forged.txt', { size: 5, sha256: sha('hello') }))
    await logged(/update refused from .*unsigned database.update on a read-only connection/)

    // Signed, but with a key of its own making.
    const own = await generateRsaKeyPair()
    const body = forgedUpdate(h.peerId, '/forged-signed.txt', { size: 5, sha256: sha('hello') })
    await h.sendSigned(bodyBytes(body), await signBody(bodyBytes(body), own.privateKey))
    await logged(/update refused from .*forged-signed|does not verify with the read-write key/)

    // A genuine signed update from Alice, relayed with its body changed.
    await h.send({ type: 'database.get_updates', since: {} })
    const genuine = await h.waitFor(
      (m) => m.type === 'database.update' && m.signature !== null && m.body.key === '/real.txt',
    )
    const tampered = parseJson(new TextDecoder().decode(genuine.bodyBytes)) as JsonObject
    tampered.key = '/tampered.txt'
    const before = a.logs.filter((l) => l.includes('does not verify')).length
    await h.sendSigned(bodyBytes(tampered), genuine.signature!)
    await eventually(() =>
      expect(a.logs.filter((l) => l.includes('does not verify')).length).toBeGreaterThan(before),
    )

    const db = a.engine.share(a.folder).database
    for (const key of ['/forged.txt', '/forged-signed.txt', '/tampered.txt']) {
      expect(await db.get(key)).toBeUndefined()
      expect(await exists(join(a.folder, key))).toBe(false)
    }
    expect(await readFile(join(a.folder, 'real.txt'), 'utf8')).toBe('real content')
  })
})

describe('answers cut short, and files gone since the scan', () => {
  // A peer of its own: the hostile peers above stay connected and would answer too.
  let b: TestPeer
  const mine: HostilePeer[] = []
  beforeAll(async () => {
    b = await sharingRealFile('bob')
  })
  afterAll(async () => {
    for (const h of mine) h.close()
    await stopAndRemove([b])
  })
  /** One hostile peer at a time: an earlier one would be asked for this test's content too. */
  const connect = async (): Promise<HostilePeer> => {
    for (const earlier of mine.splice(0)) earlier.close()
    const key = b.engine.share(b.folder).key('read_write')!
    const peer = await connectHostile(b.address, key.id!, key.key!)
    mine.push(peer)
    return peer
  }

  it('a short answer: the rest is asked for from where it stopped, and the file lands whole', async () => {
    const h = await connect()
    const content = bytes('first half, second half')
    const asked: Array<readonly [number, number]> = []
    h.serve((_, range) => {
      asked.push(range)
      // The first answer stops after 5 bytes; later ones give what was asked.
      return asked.length === 1 ? content.subarray(0, 5) : content.subarray(range[0], range[0] + range[1])
    })
    await h.send(
      forgedUpdate(h.peerId, '/halves.txt', {
        size: content.byteLength,
        sha256: sha('first half, second half'),
      }),
    )
    await eventually(async () =>
      expect(await readFile(join(b.folder, 'halves.txt'), 'utf8')).toBe('first half, second half'),
    )
    expect(asked.map((r) => [Number(r[0]), Number(r[1])])).toEqual([
      [0, content.byteLength],
      [5, content.byteLength - 5],
    ])
  })

  /** A file of two pieces (16 MiB each), and the ranges the engine asked the peer for. */
  const twoPieces = async (
    h: HostilePeer,
    path: string,
    answer: (range: readonly [number, number], nth: number) => Promise<Uint8Array> | Uint8Array,
  ): Promise<{ content: Uint8Array; asked: Array<[number, number]> }> => {
    // Content of its own for each path: a peer of an earlier test could serve the same otherwise.
    const seed = [...path].reduce((sum, c) => sum + c.charCodeAt(0), 0) | 1
    const content = new Uint8Array(20 * 1024 * 1024 + 5).map((_, i) => (i * seed) & 0xff)
    const asked: Array<[number, number]> = []
    h.serve((_, range) => {
      asked.push([Number(range[0]), Number(range[1])])
      return answer(range, asked.length)
    })
    await h.send(
      forgedUpdate(h.peerId, path, {
        size: content.byteLength,
        sha256: createHash('sha256').update(content).digest('hex'),
      }),
    )
    return { content, asked }
  }
  const landed = async (path: string, content: Uint8Array): Promise<void> =>
    eventually(
      async () => expect(Buffer.compare(await readFile(join(b.folder, path)), content)).toBe(0),
      30_000,
    )
  const PIECE = 16 * 1024 * 1024

  it('pipelined pieces after a short answer are dropped as they come, and the file lands whole', async () => {
    const h = await connect()
    const { content, asked } = await twoPieces(h, '/pipelined.bin', (range, nth) =>
      // The first answer stops after 5 bytes; the second piece was already asked for by then.
      nth === 1
        ? content.subarray(0, 5)
        : content.subarray(Number(range[0]), Number(range[0]) + Number(range[1])),
    )
    await landed('pipelined.bin', content)
    expect(asked).toEqual([
      [0, PIECE],
      [PIECE, content.byteLength - PIECE],
      [5, PIECE],
      [PIECE + 5, content.byteLength - PIECE - 5],
    ])
    expect(b.logs.filter((l) => /does not continue|did not match/.test(l))).toEqual([])
  })

  it('a peer that answers pieces out of order is asked one piece at a time, and the file lands whole', async () => {
    const h = await connect()
    let secondSent: () => void = () => undefined
    const second = new Promise<void>((resolve) => (secondSent = resolve))
    const { content, asked } = await twoPieces(h, '/unordered.bin', async (range, nth) => {
      const data = content.subarray(Number(range[0]), Number(range[0]) + Number(range[1]))
      if (nth === 1) await second
      if (nth === 2) setTimeout(secondSent, 50)
      return data
    })
    await landed('unordered.bin', content)
    // The later piece, answered first, is dropped and asked again once the first is in.
    expect(asked).toEqual([
      [0, PIECE],
      [PIECE, content.byteLength - PIECE],
      [PIECE, content.byteLength - PIECE],
    ])
    expect(b.logs.filter((l) => /out of order: asking one at a time/.test(l))).toHaveLength(1)
    expect(b.logs.filter((l) => /does not continue|did not match/.test(l))).toEqual([])
  })

  it('a file that cannot be read any more is answered not_present, and the link goes on', async () => {
    await writeFile(join(b.folder, 'gone.txt'), 'here at the scan')
    await b.engine.share(b.folder).scan()
    await rm(join(b.folder, 'gone.txt'))
    const h = await connect()
    await h.send({ type: 'directory.get', sha256: sha('here at the scan'), range: [0, 100] })
    const answer = await h.waitFor((m) => m.type === 'directory.not_present' || m.type === 'directory.data')
    expect(answer.type).toBe('directory.not_present')
    await h.send({ type: 'directory.get', sha256: sha('real content'), range: [0, 100] })
    expect((await h.waitFor((m) => m.type === 'directory.data')).body.sha256).toBe(sha('real content'))
  })
})
