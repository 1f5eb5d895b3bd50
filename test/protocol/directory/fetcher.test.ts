/** The fetcher against a fake link, over a real temporary folder (FsFileStore). */
import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FsFileStore } from '../../../src/platform/node/fs-file-store'
import { createNodeHasher } from '../../../src/platform/node/node-hasher'
import { Fetcher, type FetchLink } from '../../../src/protocol/directory/fetcher'
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

async function fetcherWithPeer(): Promise<{ fetcher: Fetcher; closed: string[]; sent: string[] }> {
  const closed: string[] = []
  const sent: string[] = []
  const fetcher = new Fetcher({
    store: new FsFileStore(root),
    state: await LocalState.open(new MemoryLocalIndex()),
    selection: new Selection(),
    createHasher: createNodeHasher,
    random: () => 0.5,
    now: () => 0,
    fetched: async () => {},
    log: () => {},
  })
  const link: FetchLink = {
    send: async (body) => void sent.push(body.type),
    close: (reason) => void closed.push(reason),
  }
  fetcher.addLink('peer', link)
  fetcher.setPresence('peer', { mayHave: () => true })
  return { fetcher, closed, sent }
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
