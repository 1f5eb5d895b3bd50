/**
 * What makes many small files cheap in the File System Access store, and what it must not cost:
 * temporary files gathered in memory (nothing half written on disk, nothing left by a crash),
 * cached directory handles (healed when a folder goes behind the store's back), and the side
 * table's group-committed writes (in call order, each after its file is in place).
 */
import { describe, expect, it } from 'vitest'
import { parseSharePath } from '../../src/protocol/directory/share-path'
import { MemoryAttributeStore, type SideAttributes } from '../../src/platform/browser/attribute-store'
import { FsaFileStore } from '../../src/platform/browser/fsa-file-store'
import { IdbAttributeStore } from '../../src/platform/browser/idb-attribute-store'
import {
  EARLY_MAX_BYTES,
  MEMORY_MAX_BYTES,
  MemoryTempFile,
} from '../../src/platform/browser/memory-temp-file'
import { concatBytes } from '../../src/protocol/wire/bytes'
import { eachFreshOpfsFolder, folderAt, freshOpfsFolder, namesBelow, namesBelowButSwaps } from './opfs'

const p = parseSharePath
const SHA = 'ab'.repeat(32)
const text = (s: string): Uint8Array => new TextEncoder().encode(s)

async function bytesOf(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const chunk of chunks) parts.push(chunk)
  return concatBytes(parts)
}

describe('FsaFileStore: temporary files in memory', () => {
  let root: FileSystemDirectoryHandle
  eachFreshOpfsFolder('batching', (dir) => (root = dir))

  it('never shows a half-written target: a crash before the commit leaves at most the hidden temporary file, whole', async () => {
    const store = new FsaFileStore(root)
    const temp = await store.openTemp(p('/a/f.txt'), SHA)
    expect(temp).toBeInstanceOf(MemoryTempFile)
    await temp.append(text('hello world')) // a small file arrives in one append, and is written out early
    expect(await bytesOf(temp.read())).toEqual(text('hello world'))
    const tempName = `/a/.f.txt.${SHA.slice(0, 8)}.!clearsky`
    // No target. The early write may still be under way: Chromium's swap file for it goes with a crash.
    const left = (await namesBelowButSwaps(root)).filter((n) => n !== tempName)
    expect(left).toEqual(['/a'])
    // The tab is gone here (no close, no commit): a new store finds nothing, or the whole content.
    const again = await new FsaFileStore(root).openTemp(p('/a/f.txt'), SHA)
    expect([0, 11]).toContain(again.size)
    await again.close()
    // Changed after the early write: the commit writes what the content is now.
    await temp.truncate(5)
    expect(
      await store.commit(temp, { expected: { kind: 'absent' }, attributes: { mtimeNs: 7n } }),
    ).toMatchObject({ ok: true, stat: { size: 5, mtimeNs: 7n } })
    expect(await bytesOf(store.read(p('/a/f.txt')))).toEqual(text('hello'))
    expect(await namesBelow(root)).toEqual(['/a', '/a/f.txt'])
  })

  it('commits the early write when nothing changed since, and discards it without a trace', async () => {
    const store = new FsaFileStore(root)
    const temp = await store.openTemp(p('/e.txt'), SHA)
    await temp.append(text('early'))
    expect(await store.commit(temp, { expected: { kind: 'absent' } })).toMatchObject({
      ok: true,
      stat: { size: 5 },
    })
    expect(await bytesOf(store.read(p('/e.txt')))).toEqual(text('early'))
    const dropped = await store.openTemp(p('/g.txt'), SHA)
    await dropped.append(text('gone'))
    await dropped.discard()
    expect(await namesBelow(root)).toEqual(['/e.txt'])
  })

  it('keeps a closed one on disk for a resume, and discards one without a trace', async () => {
    const store = new FsaFileStore(root)
    const kept = await store.openTemp(p('/k.txt'), SHA)
    await kept.append(text('part'))
    await kept.close()
    // Another store (after a reload) lists the folder and finds it too.
    const elsewhere = await new FsaFileStore(root).openTemp(p('/k.txt'), SHA)
    expect(elsewhere.size).toBe(4)
    await elsewhere.close()
    const resumed = await store.openTemp(p('/k.txt'), SHA)
    expect(resumed.size).toBe(4)
    expect(await bytesOf(resumed.read())).toEqual(text('part'))
    await resumed.discard()
    const dropped = await store.openTemp(p('/d.txt'), SHA)
    await dropped.append(text('gone'))
    await dropped.discard()
    expect(await namesBelow(root)).toEqual([])
  })

  it('spills to an ordinary temporary file past MEMORY_MAX_BYTES, every byte in order', async () => {
    const store = new FsaFileStore(root)
    const temp = await store.openTemp(p('/big.bin'), SHA)
    const chunk = new Uint8Array(1024 * 1024)
    const total = MEMORY_MAX_BYTES + 3 * chunk.length + 1
    const expected = new Uint8Array(total)
    for (let i = 0; i < total; i++) expected[i] = i % 251
    for (let at = 0; at < total; at += chunk.length) await temp.append(expected.slice(at, at + chunk.length))
    expect((temp as MemoryTempFile).inMemory).toBe(false)
    expect(temp.size).toBe(total)
    expect(await store.commit(temp, { expected: { kind: 'absent' } })).toMatchObject({
      ok: true,
      stat: { size: total },
    })
    const read = await bytesOf(store.read(p('/big.bin')))
    // Compared here: a deep equality of 7 MiB takes the test runner seconds.
    expect(read.length === expected.length && read.every((byte, i) => byte === expected[i])).toBe(true)
  })

  it('an unexpected file of the temporary name is replaced, not written over in part', async () => {
    const store = new FsaFileStore(root)
    const temp = await store.openTemp(p('/x.txt'), SHA)
    // Appears after the open (another store on the same folder): longer than our content.
    const stray = await root.getFileHandle(`.x.txt.${SHA.slice(0, 8)}.!clearsky`, { create: true })
    const writable = await stray.createWritable()
    await writable.write('stale and longer')
    await writable.close()
    await temp.append(text('new'))
    await store.commit(temp, { expected: { kind: 'absent' } })
    expect(await bytesOf(store.read(p('/x.txt')))).toEqual(text('new'))
  })
})

describe('FsaFileStore: cached folders', () => {
  let root: FileSystemDirectoryHandle
  eachFreshOpfsFolder('dircache', (dir) => (root = dir))

  // Content over EARLY_MAX_BYTES is not written early, so nothing of the store is at work in the
  // folder when it goes (an open writable would make the removal fail, as it would a person's).
  it('places a file in a folder removed behind its back, and makes a removed folder again', async () => {
    const store = new FsaFileStore(root)
    await store.mkdir(p('/d/e'))
    const temp = await store.openTemp(p('/d/e/f.txt'), SHA) // the folders' handles are cached now
    const content = new Uint8Array(EARLY_MAX_BYTES + 1).fill(7)
    await temp.append(content)
    await root.removeEntry('d', { recursive: true }) // as a person might, in a picked folder
    expect(await store.commit(temp, { expected: { kind: 'absent' } })).toMatchObject({ ok: true })
    const read = await bytesOf(store.read(p('/d/e/f.txt')))
    expect(read.length === content.length && read.every((byte) => byte === 7)).toBe(true)
    await root.removeEntry('d', { recursive: true })
    await store.mkdir(p('/d/e'))
    expect(await folderAt(root, ['d', 'e'], false)).not.toBeNull()
    expect(await store.stat(p('/d/e/f.txt'))).toBeNull()
  })

  it('places a small file whose early write went with its folder, removed before the commit', async () => {
    const store = new FsaFileStore(root)
    await store.mkdir(p('/d/e'))
    const temp = await store.openTemp(p('/d/e/f.txt'), SHA)
    await temp.append(text('data'))
    // The early write is done once its writable closed, which is when the file holds the data.
    const written = async (): Promise<boolean> => {
      const folder = await folderAt(root, ['d', 'e'], false)
      const file = await folder?.getFileHandle(`.f.txt.${SHA.slice(0, 8)}.!clearsky`).catch(() => undefined)
      return (await file?.getFile())?.size === 4
    }
    await expect.poll(written, { timeout: 5000, interval: 10 }).toBe(true)
    await root.removeEntry('d', { recursive: true })
    expect(await store.commit(temp, { expected: { kind: 'absent' } })).toMatchObject({ ok: true })
    expect(await bytesOf(store.read(p('/d/e/f.txt')))).toEqual(text('data'))
    expect(await namesBelow(root)).toEqual(['/d', '/d/e', '/d/e/f.txt'])
  })

  it('forgets a folder it removes or moves', async () => {
    const store = new FsaFileStore(root)
    await store.mkdir(p('/m/n'))
    expect(await store.move(p('/m'), p('/o'), { kind: 'any' })).toMatchObject({ ok: true })
    const temp = await store.openTemp(p('/m/n/f.txt'), SHA)
    await temp.append(text('1'))
    expect(await store.commit(temp, { expected: { kind: 'absent' } })).toMatchObject({ ok: true })
    expect(await namesBelow(root)).toEqual(['/m', '/m/n', '/m/n/f.txt', '/o', '/o/n'])
    await store.remove(p('/o/n'), { expected: { kind: 'any' }, archive: false })
    await store.mkdir(p('/o/n'))
    expect(await folderAt(root, ['o', 'n'], false)).not.toBeNull()
  })
})

describe('IdbAttributeStore: group-committed writes', () => {
  const dbName = (): string => `attributes-batch-${Date.now()}-${Math.random()}`
  const side = (n: number): SideAttributes => ({ mtimeNs: BigInt(n), size: n, lastModifiedMs: n })

  it('applies concurrent changes in call order, and a reopen finds exactly that', async () => {
    const name = dbName()
    const store = await IdbAttributeStore.open(name)
    const model = new MemoryAttributeStore()
    const calls: Array<Promise<void>> = []
    // Sets, deletes and moves interleaved, none awaited before the next: many go in one transaction.
    for (let i = 0; i < 300; i++) {
      const key = `/d${i % 7}/f${i % 13}`
      const op =
        i % 5 === 4
          ? (s: MemoryAttributeStore) => s.delete(key)
          : i % 11 === 10
            ? (s: MemoryAttributeStore) => s.move(`/d${i % 7}`, `/d${(i + 1) % 7}x`)
            : (s: MemoryAttributeStore) => s.set(key, side(i))
      calls.push(op(store))
      await op(model)
    }
    await Promise.all(calls)
    const expected = new Map<string, SideAttributes | undefined>()
    for (let d = 0; d < 7; d++)
      for (const dir of [`/d${d}`, `/d${d}x`])
        for (let f = 0; f < 13; f++) expected.set(`${dir}/f${f}`, await model.get(`${dir}/f${f}`))
    for (const [key, value] of expected) expect(await store.get(key)).toEqual(value)
    store.close()
    const reopened = await IdbAttributeStore.open(name)
    for (const [key, value] of expected) expect(await reopened.get(key)).toEqual(value)
    reopened.close()
    await new Promise((done) => (indexedDB.deleteDatabase(name).onsuccess = done))
  })

  it('writes a file entry only once the file is in place, for many commits at once', async () => {
    const folder = await freshOpfsFolder('order')
    const name = dbName()
    const idb = await IdbAttributeStore.open(name)
    const early: string[] = []
    // Checks, at the moment each entry is asked for, that its file is already at the target.
    const watching = new Proxy(idb, {
      get(target, key) {
        if (key !== 'set') return Reflect.get(target, key) as unknown
        return async (local: string, attributes: SideAttributes) => {
          const names = local.split('/').filter(Boolean)
          const dir = await folderAt(folder.dir, names.slice(0, -1), false)
          const present = await dir?.getFileHandle(names.at(-1) ?? '').then(
            () => true,
            () => false,
          )
          if (!present) early.push(local)
          return target.set(local, attributes)
        }
      },
    })
    const store = new FsaFileStore(folder.dir, { attributes: watching })
    await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const temp = await store.openTemp(p(`/g${i % 3}/f${i}.txt`), SHA)
        await temp.append(text(`file ${i}`))
        return store.commit(temp, { expected: { kind: 'absent' }, attributes: { mtimeNs: BigInt(i + 1) } })
      }),
    )
    expect(early).toEqual([])
    idb.close()
    const reopened = await IdbAttributeStore.open(name)
    const again = new FsaFileStore(folder.dir, { attributes: reopened })
    for (let i = 0; i < 50; i++)
      expect(await again.stat(p(`/g${i % 3}/f${i}.txt`))).toMatchObject({
        size: `file ${i}`.length,
        mtimeNs: BigInt(i + 1),
      })
    reopened.close()
    await new Promise((done) => (indexedDB.deleteDatabase(name).onsuccess = done))
    await folder.parent.removeEntry(folder.name, { recursive: true })
  })
})
