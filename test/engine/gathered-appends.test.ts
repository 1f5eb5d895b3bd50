/**
 * A temporary file that gathers appends itself (TempFile.gathers: on Node, one written directly
 * past DIRECT_FROM_BYTES) is given each received chunk as it comes, not 1 MiB batches joined
 * first; the file still arrives whole. Real engines, TCP, TLS-SRP, SQLite and folders.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { DirectWriter } from '../../src/platform/node/direct-writer'
import { APPEND_BATCH_BYTES } from '../../src/protocol/directory/fetcher'
import { converge, stopAndRemove, startPeer, writeRandomFile, type TestPeer } from './peers'

const peers: TestPeer[] = []
afterEach(() => vi.restoreAllMocks())
afterAll(() => stopAndRemove(peers))

describe('a large file received into a temporary file that gathers appends', () => {
  it('is appended chunk by chunk once the file gathers, and arrives byte for byte', async () => {
    // Without gzip: its frames arrive inflated whole, 1 MiB each, and need no joining anyway.
    const [a, b] = [
      await startPeer('alice', undefined, { gzip: false }),
      await startPeer('bob', undefined, { gzip: false }),
    ]
    peers.push(a, b)
    await writeRandomFile(join(a.folder, 'big.bin'), 24 * 1024 * 1024, 7)
    await (await a.engine.createShare(a.folder)).scan()
    const sizes: number[] = []
    const append = DirectWriter.prototype.append
    vi.spyOn(DirectWriter.prototype, 'append').mockImplementation(function (
      this: DirectWriter,
      chunk: Uint8Array,
    ) {
      sizes.push(chunk.byteLength)
      return append.call(this, chunk)
    })
    const { code } = await a.engine.createAccessCode(a.folder, 'read_write')
    await b.engine.addShare(code, b.folder, [a.address])
    await converge([a, b])
    expect(
      (await readFile(join(b.folder, 'big.bin'))).equals(await readFile(join(a.folder, 'big.bin'))),
    ).toBe(true)
    // The first 8 MiB go in batches (the file writes through the page cache until then); after, chunks as they came.
    // (the batch that reached DIRECT_FROM_BYTES is the first the direct writer takes).
    expect(sizes.length).toBeGreaterThan(16)
    expect(Math.max(...sizes.slice(1))).toBeLessThan(APPEND_BATCH_BYTES)
  })
})
