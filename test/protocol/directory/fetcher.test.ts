/** The fetcher against a fake link, over a real temporary folder (FsFileStore). */
import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FsFileStore } from '../../../src/platform/node/fs-file-store'
import { createNodeHasher } from '../../../src/platform/node/node-hasher'
import { Fetcher, type FetchLink, type Throttle } from '../../../src/protocol/directory/fetcher'
import type { TempFile } from '../../../src/protocol/directory/file-store'
import { Selection } from '../../../src/protocol/directory/ignore'
import { MemoryLocalIndex } from '../../../src/protocol/directory/local-index'
import { LocalState } from '../../../src/protocol/directory/local-state'
import type { SharePath } from '../../../src/protocol/directory/share-path'

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'cs-fetcher-'))
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

const sha = (text: string): string => createHash('sha256').update(text).digest('hex')

async function* chunks(...parts: Uint8Array[]): AsyncIterable<Uint8Array> {
  yield* parts
}

type Get = [peer: string, start: number, length: number]

/** A link that records what is sent on it: each message's type, and each `directory.get`'s range. */
function recordingLink(peer: string, sent: string[], gets: Get[], closed: string[]): FetchLink {
  return {
    send: async (body) => {
      sent.push(body.type)
      if (body.type !== 'directory.get') return
      const range = body.range as unknown as [number | bigint, number | bigint]
      gets.push([peer, Number(range[0]), Number(range[1])])
    },
    close: (reason) => void closed.push(reason),
  }
}

/** A store whose temporary files say whether they were closed. */
function storeTrackingTemps(): { store: FsFileStore; temps: Array<{ closed: boolean }> } {
  const store = new FsFileStore(root)
  const temps: Array<{ closed: boolean }> = []
  const openTemp = store.openTemp.bind(store)
  store.openTemp = async (...args): Promise<TempFile> => {
    const temp = await openTemp(...args)
    const entry = { closed: false }
    temps.push(entry)
    const close = temp.close.bind(temp)
    temp.close = async () => {
      entry.closed = true
      await close()
    }
    return temp
  }
  return { store, temps }
}

async function fetcherWithPeer(
  pieceBytes?: number,
  download?: Throttle,
): Promise<{
  fetcher: Fetcher
  closed: string[]
  sent: string[]
  gets: Get[]
  fetched: string[]
  warnings: string[]
  temps: Array<{ closed: boolean }>
  clock: { now: number }
  addPeer: (id: string) => void
  store: FsFileStore
}> {
  const closed: string[] = []
  const sent: string[] = []
  const gets: Get[] = []
  const fetched: string[] = []
  const warnings: string[] = []
  const clock = { now: 0 }
  const { store, temps } = storeTrackingTemps()
  const fetcher = new Fetcher({
    store,
    state: await LocalState.open(new MemoryLocalIndex()),
    selection: new Selection(),
    createHasher: createNodeHasher,
    random: () => 0.5,
    now: () => clock.now,
    fetched: async (sha256) => void fetched.push(sha256),
    log: (level, message) => void (level === 'warn' && warnings.push(message)),
    ...(pieceBytes ? { pieceBytes } : {}),
    ...(download ? { download } : {}),
  })
  const addPeer = (id: string): void => {
    fetcher.addLink(id, recordingLink(id, sent, gets, closed))
    fetcher.setPresence(id, { mayHave: () => true })
  }
  addPeer('peer')
  return { fetcher, closed, sent, gets, fetched, warnings, temps, clock, addPeer, store }
}

describe('Fetcher.data', () => {
  for (const [what, size] of [
    ['a small file (gathered in memory)', 3],
    ['a file written as it arrives', 300 * 1024],
  ] as const) {
    it(`closes the link when a peer sends more than was asked for, whatever range it claims: ${what}`, async () => {
      const { fetcher, closed, sent } = await fetcherWithPeer()
      const content = 'x'.repeat(size)
      fetcher.want(
        '/f.bin' as SharePath,
        { kind: 'file', size: BigInt(size), sha256: sha(content), extra: {} },
        'u',
      )
      expect(sent).toEqual(['directory.get'])
      // The answer claims a range far larger than the file, and sends that much.
      const flood = new Uint8Array(size + 64 * 1024)
      await fetcher.data('peer', sha(content), { start: 0n, length: BigInt(flood.byteLength) }, chunks(flood))
      expect(closed).toHaveLength(1)
      expect(closed[0]).toMatch(/sent more than the \d+ bytes asked for/)
    })
  }
})

describe('Fetcher.data, answers to pipelined pieces', () => {
  const CONTENT = new Uint8Array(4096).map((_, i) => (i * 7) % 251)
  const S = createHash('sha256').update(CONTENT).digest('hex')
  const PATH = '/big.bin' as SharePath
  const VALUE = { kind: 'file', size: 4096n, sha256: S, extra: {} } as const

  const until = async (check: () => boolean): Promise<void> => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5))
  }

  async function* chunk(data: Uint8Array): AsyncIterable<Uint8Array> {
    yield data
  }

  /**
   * Answers each `directory.get` from the `from`-th on with that range of `content`, until the file
   * is fetched or nothing more is asked; `answer` may look at a get first, and pass it by.
   */
  async function answerGets(
    fetcher: Fetcher,
    gets: Get[],
    fetched: string[],
    from: number,
    content: Uint8Array,
    answer: (get: Get) => boolean = () => true,
  ): Promise<void> {
    const sha256 = createHash('sha256').update(content).digest('hex')
    for (let answered = from; fetched.length === 0;) {
      await until(() => fetched.length > 0 || gets.length > answered)
      const get = gets[answered++]
      if (!get) return
      const [peer, start, length] = get
      if (!answer(get)) continue
      await fetcher.data(
        peer,
        sha256,
        { start: BigInt(start), length: BigInt(length) },
        chunk(content.subarray(start, start + length)),
      )
    }
  }

  /** The first piece's answer: its first half at once, the rest once released. */
  function firstPieceInTwo(): { slow: () => AsyncIterable<Uint8Array>; release: () => void } {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    async function* slow(): AsyncIterable<Uint8Array> {
      yield CONTENT.subarray(0, 512)
      await gate
      yield CONTENT.subarray(512, 1024)
    }
    return { slow, release }
  }

  it('takes a directory.data without payload as a get_error, and fetches the file elsewhere', async () => {
    const { fetcher, gets, fetched, addPeer } = await fetcherWithPeer(1024)
    const content = new Uint8Array(4096).map((_, i) => i % 251)
    const s = createHash('sha256').update(content).digest('hex')
    fetcher.want('/f.bin' as SharePath, { kind: 'file', size: 4096n, sha256: s, extra: {} }, 'u')
    await until(() => gets.length >= 2)
    expect(gets.slice(0, 2)).toEqual([
      ['peer', 0, 1024],
      ['peer', 1024, 1024],
    ])
    // The first answer comes without a payload: that peer's copy is left alone, and the second
    // piece's answer, still to come, is dropped.
    await fetcher.data('peer', s, { start: 0n, length: 1024n }, null)
    await fetcher.data('peer', s, { start: 1024n, length: 1024n }, chunk(content.subarray(1024, 2048)))
    expect(gets).toHaveLength(2)
    // Another peer has it: it is asked from the start, and answers every request.
    addPeer('other')
    await answerGets(fetcher, gets, fetched, 2, content, ([peer]) => {
      expect(peer).toBe('other')
      return true
    })
    expect(fetched).toEqual([s])
    expect(fetcher.progress().filesRemaining).toBe(0)
  })

  it('a peer that leaves while its last bytes are being written: another peer continues after them, nothing is written twice', async () => {
    const { fetcher, gets, fetched, warnings, addPeer, store } = await fetcherWithPeer(1024)
    // The first append waits until released: the departed peer's piece is still being written
    // when the other peer's answer arrives.
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    let gated = false
    const openTemp = store.openTemp.bind(store)
    store.openTemp = async (...args): Promise<TempFile> => {
      const temp = await openTemp(...args)
      const append = temp.append.bind(temp)
      temp.append = async (data) => {
        if (!gated) {
          gated = true
          await gate
        }
        return append(data)
      }
      return temp
    }
    fetcher.want(PATH, VALUE, 'u')
    await until(() => gets.length >= 2)
    const first = fetcher.data('peer', S, { start: 0n, length: 1024n }, chunk(CONTENT.subarray(0, 1024)))
    await until(() => gated)
    // The peer goes; the other is asked from where the temporary file ends (0 bytes so far).
    fetcher.removeLink('peer')
    addPeer('other')
    const answered = 2
    await until(() => gets.length > answered)
    expect(gets[answered]).toEqual(['other', 0, 1024])
    const second = fetcher.data('other', S, { start: 0n, length: 1024n }, chunk(CONTENT.subarray(0, 1024)))
    await new Promise((r) => setTimeout(r, 20))
    release()
    await first
    await second
    await answerGets(fetcher, gets, fetched, answered + 1, CONTENT)
    expect(warnings.filter((w) => w.includes('did not match'))).toEqual([])
    expect(fetched).toEqual([S])
  })

  it('a directory.data without a range is the file from its first byte: what the temporary file holds is skipped', async () => {
    // The range is optional: a server that does not do ranges sends the whole file, and its answer
    // names no range. (docs/protocol-notes/directory.md, "An answer without a range")
    const { fetcher, gets, fetched, warnings, closed } = await fetcherWithPeer(1024)
    fetcher.want(PATH, VALUE, 'u')
    await until(() => gets.length >= 2)
    await fetcher.data('peer', S, { start: 0n, length: 1024n }, chunk(CONTENT.subarray(0, 1024)))
    await fetcher.data('peer', S, undefined, chunk(CONTENT))
    await until(() => fetched.length > 0)
    expect(fetched).toEqual([S])
    expect(warnings).toEqual([])
    expect(closed).toEqual([])
  })

  it('a directory.data without a range and shorter than the file: the next piece is asked from where the file then ends', async () => {
    const { fetcher, gets, fetched, warnings } = await fetcherWithPeer(1024)
    fetcher.want(PATH, VALUE, 'u')
    await until(() => gets.length >= 2)
    await fetcher.data('peer', S, { start: 0n, length: 1024n }, chunk(CONTENT.subarray(0, 1024)))
    // The first half of the file, from its first byte: the temporary file then holds 2048 bytes.
    await fetcher.data('peer', S, undefined, chunk(CONTENT.subarray(0, 2048)))
    // Those asked before the rangeless answer are answered already, or now stale.
    await answerGets(fetcher, gets, fetched, 0, CONTENT, ([, start]) => start >= 2048)
    expect(warnings).toEqual([])
    expect(fetched).toEqual([S])
  })

  it('asks nothing for a large file no longer wanted before its resume offset was read', async () => {
    const { fetcher, gets } = await fetcherWithPeer(1024)
    const content = new Uint8Array(4096).fill(7)
    const s = createHash('sha256').update(content).digest('hex')
    fetcher.want('/g.bin' as SharePath, { kind: 'file', size: 4096n, sha256: s, extra: {} }, 'u')
    fetcher.retarget('/g.bin' as SharePath, undefined)
    await new Promise((r) => setTimeout(r, 100))
    expect(gets).toEqual([])
    expect(fetcher.progress().filesRemaining).toBe(0)
  })

  it('a not_present answered before the data of an earlier piece (out of order) does not back off the peer', async () => {
    const { fetcher, gets, fetched, warnings, clock } = await fetcherWithPeer(1024)
    fetcher.want(PATH, VALUE, 'u')
    await until(() => gets.length >= 2)
    expect(gets).toEqual([
      ['peer', 0, 1024],
      ['peer', 1024, 1024],
    ])
    // The server answers out of order (directory.md: "may choose to respond to multiple 'get'
    // requests out of order"): the second request first, with not_present (it does not name a
    // range), then the first with its data.
    fetcher.notPresent('peer', S)
    await fetcher.data('peer', S, { start: 0n, length: 1024n }, chunks(CONTENT.subarray(0, 1024)))
    // Nothing this peer did warrants hours of back-off: once the not_present wait is over, it is
    // asked again and the file completes.
    clock.now = 10 * 60_000
    fetcher.pump()
    await answerGets(fetcher, gets, fetched, 2, CONTENT)
    await until(() => fetched.length > 0)
    expect(warnings.filter((w) => w.includes('not asked for'))).toEqual([])
    expect(fetched).toEqual([S])
  })

  it('a record changed while a piece is being written: the answer is dropped, the link stays, the partial file is closed', async () => {
    const { fetcher, gets, closed, temps } = await fetcherWithPeer(1024)
    fetcher.want(PATH, VALUE, 'u')
    await until(() => gets.length >= 2)
    const { slow, release } = firstPieceInTwo()
    const answering = fetcher.data('peer', S, { start: 0n, length: 1024n }, slow())
    answering.catch(() => undefined)
    await new Promise((r) => setTimeout(r, 50))
    // The record changes while the piece streams in (directory-share.recordStored -> retarget).
    fetcher.retarget(PATH, undefined)
    release()
    // A rejection here closes the whole link (engine/link.ts run(): the handler's error closes it).
    await expect(answering).resolves.toBeUndefined()
    // The second piece's answer comes too; both requests are settled.
    await fetcher.data('peer', S, { start: 1024n, length: 1024n }, chunks(CONTENT.subarray(1024, 2048)))
    expect(closed).toEqual([])
    await new Promise((r) => setTimeout(r, 20))
    expect(temps.map((t) => t.closed)).toEqual(temps.map(() => true))
  })

  it('answers of no use are read through the download limit, not skipped at full speed', async () => {
    let taken = 0
    const { fetcher, gets } = await fetcherWithPeer(1024, { take: async (bytes) => void (taken += bytes) })
    fetcher.want(PATH, VALUE, 'u')
    await until(() => gets.length >= 2)
    // The first piece comes in part, then the record changes: the rest of it is of no use.
    const { slow, release } = firstPieceInTwo()
    const answering = fetcher.data('peer', S, { start: 0n, length: 1024n }, slow())
    await new Promise((r) => setTimeout(r, 20))
    fetcher.retarget(PATH, undefined)
    release()
    await answering
    // The second piece's answer, now stale, is of no use from its first byte.
    await fetcher.data('peer', S, { start: 1024n, length: 1024n }, chunk(CONTENT.subarray(1024, 2048)))
    expect(taken).toBe(2048)
  })

  it('a record changed while the temporary file is being opened: the temporary file is closed', async () => {
    const { fetcher, gets, temps } = await fetcherWithPeer(1024)
    fetcher.want(PATH, VALUE, 'u')
    await until(() => gets.length >= 2)
    // The resume offset's open was closed again.
    expect(temps.every((t) => t.closed)).toBe(true)
    const answering = fetcher.data('peer', S, { start: 0n, length: 1024n }, chunks(CONTENT.subarray(0, 1024)))
    // open() is on its way (openTemp awaited): the record changes now.
    fetcher.retarget(PATH, undefined)
    await answering.catch(() => undefined)
    await new Promise((r) => setTimeout(r, 50))
    expect(temps.length).toBeGreaterThan(1)
    expect(temps.map((t) => t.closed)).toEqual(temps.map(() => true))
  })
})
