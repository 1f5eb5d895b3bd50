import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  copyIntoTemp,
  FileStoreError,
  MAX_READ_CHUNK_BYTES,
  type FileStore,
  type ListedEntry,
} from '../../../src/protocol/directory/file-store'
import type { HasherFactory } from '../../../src/protocol/directory/hasher'
import { parseSharePath } from '../../../src/protocol/directory/share-path'

/**
 * What every FileStore must do, whatever it stores files in. A platform's test supplies a fresh,
 * empty folder with a store over it, and a back door to that folder (what a user or another
 * program would do to it behind the store's back).
 */
export interface StoreFixture {
  readonly store: FileStore
  /** Another store over the same folder, as after a restart. */
  reopen(): FileStore
  /** Writes a file directly, creating parents; `mtimeMs` if given. */
  writeLocal(path: string, content: Uint8Array | string, mtimeMs?: number): Promise<void>
  readLocal(path: string): Promise<Uint8Array | undefined>
  /** Every name in the folder, recursively, sorted (including hidden temporary files). */
  namesOnDisk(): Promise<string[]>
  removeRoot(): Promise<void>
  cleanup(): Promise<void>
}

/**
 * SHA-256 from the platform under test, so the same cases run in Node and in the browser:
 * `sha256Hex` synchronously for the expectations, `createHasher` for the copy being tested.
 */
export interface ContractHashing {
  sha256Hex(data: Uint8Array | string): string
  readonly createHasher: HasherFactory
}

const p = parseSharePath
const text = (s: string): Uint8Array => new TextEncoder().encode(s)

export async function collect(
  chunks: AsyncIterable<Uint8Array>,
): Promise<{ bytes: Uint8Array; sizes: number[] }> {
  const parts: Uint8Array[] = []
  for await (const chunk of chunks) parts.push(chunk)
  const bytes = new Uint8Array(parts.reduce((n, c) => n + c.byteLength, 0))
  let at = 0
  for (const part of parts) {
    bytes.set(part, at)
    at += part.byteLength
  }
  return { bytes, sizes: parts.map((c) => c.byteLength) }
}

async function listAll(store: FileStore): Promise<ListedEntry[]> {
  const out: ListedEntry[] = []
  for await (const entry of store.list()) out.push(entry)
  return out
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
  } catch (err) {
    return err instanceof FileStoreError ? err.code : `not a FileStoreError: ${String(err)}`
  }
  return undefined
}

export function describeFileStoreContract(
  name: string,
  makeFixture: () => Promise<StoreFixture>,
  hashing: ContractHashing,
): void {
  const sha = hashing.sha256Hex
  describe(`FileStore contract: ${name}`, () => {
    let fx: StoreFixture
    beforeEach(async () => {
      fx = await makeFixture()
    })
    afterEach(async () => {
      await fx.cleanup()
    })

    it('lists the tree, each folder before its contents', async () => {
      await fx.writeLocal('/a/b/c.txt', 'c')
      await fx.writeLocal('/a/empty.bin', '')
      await fx.writeLocal('/top.txt', 'top')
      await fx.store.mkdir(p('/a/empty-dir'))
      const entries = await listAll(fx.store)
      const paths = entries.map((e) => e.path)
      expect([...paths].sort()).toEqual([
        '/a',
        '/a/b',
        '/a/b/c.txt',
        '/a/empty-dir',
        '/a/empty.bin',
        '/top.txt',
      ])
      expect(paths.indexOf('/a')).toBeLessThan(paths.indexOf('/a/b'))
      expect(paths.indexOf('/a/b')).toBeLessThan(paths.indexOf('/a/b/c.txt'))
      expect(entries.find((e) => e.path === '/top.txt')).toMatchObject({ kind: 'file', size: 3 })
      expect(entries.find((e) => e.path === '/a')).toMatchObject({ kind: 'directory', size: 0 })
    })

    it('does not walk directories the caller skips', async () => {
      await fx.writeLocal('/node_modules/x/index.js', 'x')
      await fx.writeLocal('/src/node_modules/y.js', 'y')
      await fx.writeLocal('/src/main.ts', 'm')
      const listed: string[] = []
      for await (const entry of fx.store.list((path) => path.endsWith('/node_modules')))
        listed.push(entry.path)
      expect(listed.sort()).toEqual(['/src', '/src/main.ts'])
    })

    it('stats files, folders and nothing', async () => {
      await fx.writeLocal('/d/f.txt', 'hello', 1_700_000_000_000)
      expect(await fx.store.stat(p('/d/f.txt'))).toMatchObject({
        kind: 'file',
        size: 5,
        mtimeNs: 1_700_000_000_000_000_000n,
      })
      expect(await fx.store.stat(p('/d'))).toMatchObject({ kind: 'directory' })
      // The share's own folder: a scan without a saved local index asks for it.
      expect(await fx.store.stat(p('/'))).toMatchObject({ kind: 'directory', size: 0 })
      expect(await fx.store.stat(p('/nope'))).toBeNull()
      expect(await fx.store.stat(p('/nope/deeper'))).toBeNull()
      expect(await fx.store.stat(p('/d/f.txt/under-a-file'))).toBeNull()
    })

    it('reads whole files and ranges in chunks of at most 1 MiB', async () => {
      const big = new Uint8Array(3 * MAX_READ_CHUNK_BYTES + 12345)
      for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff
      await fx.writeLocal('/big.bin', big)
      const whole = await collect(fx.store.read(p('/big.bin')))
      expect(whole.sizes.every((n) => n <= MAX_READ_CHUNK_BYTES)).toBe(true)
      expect(sha(whole.bytes)).toBe(sha(big))
      const range = await collect(fx.store.read(p('/big.bin'), { start: 1_000_000, length: 2_000_000 }))
      expect(sha(range.bytes)).toBe(sha(big.subarray(1_000_000, 3_000_000)))
      const tail = await collect(fx.store.read(p('/big.bin'), { start: big.length - 10, length: 100 }))
      expect(tail.bytes).toEqual(big.subarray(big.length - 10))
      expect((await collect(fx.store.read(p('/big.bin'), { start: 5, length: 0 }))).bytes).toHaveLength(0)
      expect(await codeOf(collect(fx.store.read(p('/missing'))))).toBe('ERR_NOT_FOUND')
    })

    it('replaces a file atomically: an interrupted transfer leaves the old file, and resumes', async () => {
      await fx.writeLocal('/doc.txt', 'old content')
      const before = await fx.store.stat(p('/doc.txt'))
      const next = text('new content, longer than the old one')
      const target = sha(next)

      const temp = await fx.store.openTemp(p('/doc.txt'), target)
      expect(temp.size).toBe(0)
      await temp.append(next.subarray(0, 10))
      await temp.close() // the "crash": never committed
      expect(await fx.readLocal('/doc.txt')).toEqual(text('old content'))
      expect(
        (await listAll(fx.store)).map((e) => e.path).filter((path) => !path.endsWith('.!clearsky')),
      ).toEqual(['/doc.txt'])

      const resumed = await fx.reopen().openTemp(p('/doc.txt'), target)
      expect(resumed.size).toBe(10)
      expect((await collect(resumed.read())).bytes).toEqual(next.subarray(0, 10))
      await resumed.append(next.subarray(10))
      expect(await fx.readLocal('/doc.txt')).toEqual(text('old content'))
      if (before?.kind !== 'file') throw new Error('no stat')
      const result = await fx.store.commit(resumed, {
        expected: { kind: 'file', size: before.size, mtimeNs: before.mtimeNs },
      })
      expect(result.ok).toBe(true)
      expect(await fx.readLocal('/doc.txt')).toEqual(next)
      expect((await fx.namesOnDisk()).filter((n) => n.includes('!clearsky'))).toEqual([])
    })

    it('appends in call order even when the calls overlap', async () => {
      const parts = ['one ', 'two ', 'three ', 'four']
      const whole = text(parts.join(''))
      const temp = await fx.store.openTemp(p('/ordered.txt'), sha(whole))
      await Promise.all(parts.map((part) => temp.append(text(part))))
      expect(temp.size).toBe(whole.byteLength)
      expect((await collect(temp.read())).bytes).toEqual(whole)
      await temp.discard()
    })

    it('keeps partial files of different versions apart', async () => {
      const a = await fx.store.openTemp(p('/x'), sha('a'))
      await a.append(text('aaaa'))
      await a.close()
      const b = await fx.store.openTemp(p('/x'), sha('b'))
      expect(b.size).toBe(0)
      await b.discard()
      expect((await fx.namesOnDisk()).filter((n) => n.includes('!clearsky'))).toHaveLength(1)
    })

    it('refuses to replace a file changed since it was seen, and can commit elsewhere instead', async () => {
      await fx.writeLocal('/note.txt', 'v1', 1_600_000_000_000)
      const seen = await fx.store.stat(p('/note.txt'))
      await fx.writeLocal('/note.txt', 'v2 local edit', 1_600_000_100_000)
      const temp = await fx.store.openTemp(p('/note.txt'), sha('remote'))
      await temp.append(text('remote'))
      if (seen?.kind !== 'file') throw new Error('no stat')
      const result = await fx.store.commit(temp, {
        expected: { kind: 'file', size: seen.size, mtimeNs: seen.mtimeNs },
      })
      expect(result).toMatchObject({ ok: false, reason: 'changed', actual: { kind: 'file', size: 13 } })
      expect(await fx.readLocal('/note.txt')).toEqual(text('v2 local edit'))
      const elsewhere = await fx.store.commit(temp, {
        expected: { kind: 'absent' },
        target: p('/note.CONFLICT.abcdefgh.txt'),
      })
      expect(elsewhere.ok).toBe(true)
      expect(await fx.readLocal('/note.CONFLICT.abcdefgh.txt')).toEqual(text('remote'))

      const another = await fx.store.openTemp(p('/note.txt'), sha('again'))
      expect(await fx.store.commit(another, { expected: { kind: 'absent' } })).toMatchObject({ ok: false })
      await another.discard()
    })

    it('creates parents on commit and sets attributes', async () => {
      const temp = await fx.store.openTemp(p('/new/deep/file.sh'), sha('#!'))
      await temp.append(text('#!'))
      const mtimeNs = 1_393_199_139_123_456_789n
      const result = await fx.store.commit(temp, {
        expected: { kind: 'absent' },
        attributes: { mtimeNs, mode: 0o750 },
      })
      if (!result.ok || result.stat === null) throw new Error('commit failed')
      const drift = result.stat.mtimeNs - mtimeNs
      expect(drift < 0n ? -drift : drift).toBeLessThan(2_000n)
      expect(result.stat.mode).toBe(0o750)
      const attrs = await fx.store.setAttributes(p('/new/deep/file.sh'), { mode: 0o4444 })
      expect(attrs.mode).toBe(0o644)
    })

    it('deletes, archives, and refuses non-empty folders and changed files', async () => {
      await fx.writeLocal('/dir/a.txt', 'a1')
      await fx.writeLocal('/dir/b.txt', 'b')
      const any = { kind: 'any' } as const
      expect(await fx.store.remove(p('/dir/a.txt'), { expected: any, archive: true })).toEqual({
        ok: true,
        stat: null,
      })
      await fx.writeLocal('/dir/a.txt', 'a2')
      await fx.store.remove(p('/dir/a.txt'), { expected: any, archive: true })
      expect(await fx.readLocal('/.clearskies-archive/dir/a.txt')).toEqual(text('a1'))
      expect(await fx.readLocal('/.clearskies-archive/dir/a~2.txt')).toEqual(text('a2'))
      expect(await fx.store.stat(p('/dir/a.txt'))).toBeNull()

      expect(
        await fx.store.remove(p('/dir/b.txt'), { expected: { kind: 'absent' }, archive: false }),
      ).toMatchObject({ ok: false })
      expect(await codeOf(fx.store.remove(p('/dir'), { expected: any, archive: false }))).toBe(
        'ERR_NOT_EMPTY',
      )
      await fx.store.remove(p('/dir/b.txt'), { expected: any, archive: false })
      expect(
        await fx.store.remove(p('/dir'), { expected: { kind: 'directory' }, archive: false }),
      ).toMatchObject({ ok: true })
      expect(await fx.store.stat(p('/dir'))).toBeNull()
      expect(
        await fx.store.remove(p('/never/was'), { expected: { kind: 'absent' }, archive: false }),
      ).toMatchObject({ ok: true })
    })

    it('moves without overwriting', async () => {
      await fx.writeLocal('/a.txt', 'a')
      await fx.writeLocal('/b.txt', 'b')
      const any = { kind: 'any' } as const
      expect(await fx.store.move(p('/a.txt'), p('/b.txt'), any)).toMatchObject({
        ok: false,
        actual: { kind: 'file' },
      })
      expect(await fx.store.move(p('/a.txt'), p('/sub/c.txt'), any)).toMatchObject({ ok: true })
      expect(await fx.readLocal('/sub/c.txt')).toEqual(text('a'))
      expect(await fx.store.move(p('/a.txt'), p('/d.txt'), any)).toMatchObject({ ok: false, actual: null })
    })

    it('copies a local file for deduplication, verifying its hash', async () => {
      await fx.writeLocal('/photos/a.jpg', 'same bytes')
      const temp = await fx.store.openTemp(p('/backup/a.jpg'), sha('same bytes'))
      const { sha256, size } = await copyIntoTemp(fx.store, p('/photos/a.jpg'), temp, hashing.createHasher)
      expect(sha256).toBe(sha('same bytes'))
      expect(size).toBe(10)
      await fx.store.commit(temp, { expected: { kind: 'absent' } })
      expect(await fx.readLocal('/backup/a.jpg')).toEqual(text('same bytes'))
    })

    it('reports a missing share root as an error, never as an empty folder', async () => {
      await fx.removeRoot()
      expect(await codeOf(fx.store.checkRoot())).toBe('ERR_SHARE_ROOT_MISSING')
      expect(await codeOf(listAll(fx.store))).toBe('ERR_SHARE_ROOT_MISSING')
    })
  })
}
