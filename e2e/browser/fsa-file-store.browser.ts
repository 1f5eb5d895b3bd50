/**
 * The File System Access store in Chromium, on OPFS: the FileStore contract shared with the Node
 * store, then what only this platform has (side-table mtimes, checkpoints, permission, quota).
 */
import { createSHA256 } from 'hash-wasm'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FileStoreError } from '../../src/protocol/directory/file-store'
import { parseSharePath } from '../../src/protocol/directory/share-path'
import { MemoryAttributeStore, type AttributeStore } from '../../src/platform/browser/attribute-store'
import { FsaFileStore } from '../../src/platform/browser/fsa-file-store'
import { MIN_CHECKPOINT_BYTES, WritableTempFile } from '../../src/platform/browser/fsa-temp-file'
import { IdbAttributeStore } from '../../src/platform/browser/idb-attribute-store'
import { createWasmHasher } from '../../src/platform/browser/wasm-hasher'
import {
  collect,
  describeFileStoreContract,
  type StoreFixture,
} from '../../test/protocol/directory/file-store-contract'
import { folderAt, freshOpfsFolder, namesBelow } from './opfs'

const p = parseSharePath
const wasm = await createSHA256()
/** hash-wasm is synchronous once instantiated: the contract's expectations need that. */
function sha256Hex(data: Uint8Array | string): string {
  wasm.init()
  wasm.update(data)
  return wasm.digest('hex')
}

function split(path: string): { dirs: string[]; name: string } {
  const names = path.split('/').filter(Boolean)
  return { dirs: names.slice(0, -1), name: names[names.length - 1] ?? '' }
}

async function opfsFixture(
  attributes: AttributeStore = new MemoryAttributeStore(),
): Promise<StoreFixture & { root: FileSystemDirectoryHandle }> {
  const { parent, name, dir: root } = await freshOpfsFolder('store')
  return {
    root,
    store: new FsaFileStore(root, { attributes }),
    reopen: () => new FsaFileStore(root, { attributes }),
    async writeLocal(path, content, mtimeMs) {
      const { dirs, name: file } = split(path)
      const folder = await folderAt(root, dirs, true)
      const handle = await folder!.getFileHandle(file, { create: true })
      const writable = await handle.createWritable()
      await writable.write(typeof content === 'string' ? content : new Uint8Array(content))
      await writable.close()
      // The API cannot set an mtime: a file "with" one is what the store's side table says it has.
      if (mtimeMs === undefined) return
      const written = await handle.getFile()
      await attributes.set(path, {
        mtimeNs: BigInt(mtimeMs) * 1_000_000n,
        size: written.size,
        lastModifiedMs: written.lastModified,
      })
    },
    async readLocal(path) {
      const { dirs, name: file } = split(path)
      const folder = await folderAt(root, dirs, false)
      const handle = await folder?.getFileHandle(file).catch(() => undefined)
      return handle ? new Uint8Array(await (await handle.getFile()).arrayBuffer()) : undefined
    },
    namesOnDisk: () => namesBelow(root),
    removeRoot: () => parent.removeEntry(name, { recursive: true }),
    cleanup: () => parent.removeEntry(name, { recursive: true }).catch(() => undefined),
  }
}

describeFileStoreContract('FsaFileStore on OPFS', () => opfsFixture(), {
  sha256Hex,
  createHasher: createWasmHasher,
})

describe('FsaFileStore: what the browser adds', () => {
  let fx: Awaited<ReturnType<typeof opfsFixture>>
  beforeEach(async () => {
    fx = await opfsFixture()
  })
  afterEach(() => fx.cleanup())

  it('keeps a peer mtime while the file is unchanged, and reports a local edit', async () => {
    await fx.writeLocal('/f.txt', 'peer')
    const peerMtime = 1_393_199_139_000_000_001n
    expect((await fx.store.setAttributes(p('/f.txt'), { mtimeNs: peerMtime })).mtimeNs).toBe(peerMtime)
    expect((await fx.store.stat(p('/f.txt')))?.mtimeNs).toBe(peerMtime)
    await fx.writeLocal('/f.txt', 'edited here')
    const after = await fx.store.stat(p('/f.txt'))
    expect(after?.mtimeNs).not.toBe(peerMtime)
    expect(after?.size).toBe(11)
  })

  it('does not list the swap files Chromium writes beside a file in a picked folder', async () => {
    await fx.writeLocal('/a.txt', 'a')
    await fx.writeLocal('/a.txt.crswap', 'half written')
    const listed: string[] = []
    for await (const entry of fx.store.list()) listed.push(entry.path)
    expect(listed).toEqual(['/a.txt'])
  })

  it('keeps side-table mtimes in IndexedDB across a reopen, and moves them with the file', async () => {
    const dbName = `attributes-test-${Date.now()}`
    const first = await IdbAttributeStore.open(dbName)
    const store = new FsaFileStore(fx.root, { attributes: first })
    await fx.writeLocal('/dir/a.txt', 'a')
    await store.setAttributes(p('/dir/a.txt'), { mtimeNs: 42n, mode: 0o640 })
    await store.move(p('/dir/a.txt'), p('/moved/b.txt'), { kind: 'any' })
    first.close()
    const second = await IdbAttributeStore.open(dbName)
    expect(await new FsaFileStore(fx.root, { attributes: second }).stat(p('/moved/b.txt'))).toMatchObject({
      mtimeNs: 42n,
      mode: 0o640,
    })
    second.close()
    await new Promise((done) => (indexedDB.deleteDatabase(dbName).onsuccess = done))
  })

  it('saves a transfer at checkpoints, so a crash without close() still resumes', async () => {
    const temp = await fx.store.openTemp(p('/big.bin'), 'c'.repeat(64))
    const chunk = new Uint8Array(1024 * 1024).fill(7)
    for (let written = 0; written < MIN_CHECKPOINT_BYTES + chunk.length; written += chunk.length)
      await temp.append(chunk)
    // No close(): the tab is gone. What was saved at the checkpoint is there after a reopen.
    const resumed = await fx.reopen().openTemp(p('/big.bin'), 'c'.repeat(64))
    expect(resumed.size).toBe(MIN_CHECKPOINT_BYTES)
    await resumed.close()
    await temp.discard() // its writable still holds the file, as a dead tab's would not
  })

  it('reports a lapsed permission on a picked folder as ERR_NO_PERMISSION', async () => {
    // A picked folder after a reload answers 'prompt'; OPFS always grants, so stand one in.
    const lapsed = new Proxy(fx.root, {
      get: (target, key) => (key === 'queryPermission' ? async () => 'prompt' : Reflect.get(target, key)),
    })
    const err = await new FsaFileStore(lapsed).checkRoot().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(FileStoreError)
    expect((err as FileStoreError).code).toBe('ERR_NO_PERMISSION')
  })

  it('reports a full quota as ERR_NO_SPACE, and resumes from the last checkpoint', async () => {
    // 10 GiB of quota here is too much to fill in a test: writables that refuse as full ones do.
    let room = 2
    const fullWritable = {
      seek: async () => undefined,
      write: async () =>
        room-- > 0 ? undefined : Promise.reject(new DOMException('quota', 'QuotaExceededError')),
      close: async () => undefined,
      abort: async () => undefined,
    }
    const handle = await fx.root.getFileHandle('.q.!clearsky', { create: true })
    const full = new Proxy(handle, {
      get: (target, key) => (key === 'createWritable' ? async () => fullWritable : Reflect.get(target, key)),
    })
    const temp = new WritableTempFile(p('/q'), 'd'.repeat(64), fx.root, '.q.!clearsky', full, 0)
    await temp.append(new Uint8Array(10))
    await temp.append(new Uint8Array(10))
    const err = await temp.append(new Uint8Array(10)).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(FileStoreError)
    expect(err).toMatchObject({ code: 'ERR_NO_SPACE', message: expect.stringContaining('quota') })
    expect(temp.size).toBe(0) // the unsaved 20 bytes went with the writable's swap file
    room = 1
    await temp.append(new Uint8Array(10))
    expect(temp.size).toBe(10)
  })

  it('hashes a file streamed from the store as hash-wasm does in memory', async () => {
    const data = new Uint8Array(9 * 1024 * 1024 + 3)
    for (let i = 0; i < data.length; i += 4096) data[i] = i & 0xff
    await fx.writeLocal('/h.bin', data)
    const hasher = await createWasmHasher()
    for await (const chunk of fx.store.read(p('/h.bin'))) hasher.update(chunk)
    expect(hasher.digestHex()).toBe(sha256Hex(data))
    expect((await collect(fx.store.read(p('/h.bin'), { start: 1, length: 2 }))).bytes).toEqual(
      data.subarray(1, 3),
    )
  })
})

describe('FsaFileStore: where the browser cannot move', () => {
  let fx: Awaited<ReturnType<typeof opfsFixture>>
  const move = Object.getOwnPropertyDescriptor(FileSystemFileHandle.prototype, 'move')
  beforeEach(async () => {
    fx = await opfsFixture()
  })
  afterEach(async () => {
    if (move) Object.defineProperty(FileSystemFileHandle.prototype, 'move', move)
    await fx.cleanup()
  })

  it('moves a folder entry by entry (Chromium has no move() on folders)', async () => {
    await fx.writeLocal('/d/a.txt', 'a')
    await fx.writeLocal('/d/e/b.txt', 'b')
    expect(await fx.store.move(p('/d'), p('/x/y'), { kind: 'directory' })).toMatchObject({
      ok: true,
      stat: { kind: 'directory' },
    })
    expect(await fx.namesOnDisk()).toEqual(['/x', '/x/y', '/x/y/a.txt', '/x/y/e', '/x/y/e/b.txt'])
  })

  it('commits by copying into the target writable when move() is missing', async () => {
    // Browsers without FileSystemHandle.move(): the target's own swap file makes the step atomic.
    Reflect.deleteProperty(FileSystemFileHandle.prototype, 'move')
    await fx.writeLocal('/t.txt', 'old')
    const temp = await fx.store.openTemp(p('/t.txt'), sha256Hex('new'))
    await temp.append(new TextEncoder().encode('new'))
    expect(await fx.store.commit(temp, { expected: { kind: 'any' } })).toMatchObject({
      ok: true,
      stat: { size: 3 },
    })
    expect(await fx.readLocal('/t.txt')).toEqual(new TextEncoder().encode('new'))
    expect(await fx.namesOnDisk()).toEqual(['/t.txt'])
  })

  it('moves and archives files by copying when move() is missing', async () => {
    Reflect.deleteProperty(FileSystemFileHandle.prototype, 'move')
    await fx.writeLocal('/d/a.txt', 'a')
    await fx.writeLocal('/b.txt', 'b')
    expect(await fx.store.move(p('/d'), p('/e'), { kind: 'directory' })).toMatchObject({ ok: true })
    expect(await fx.store.remove(p('/b.txt'), { expected: { kind: 'any' }, archive: true })).toMatchObject({
      ok: true,
    })
    expect(await fx.namesOnDisk()).toEqual([
      '/.clearskies-archive',
      '/.clearskies-archive/b.txt',
      '/e',
      '/e/a.txt',
    ])
    expect(await fx.readLocal('/e/a.txt')).toEqual(new TextEncoder().encode('a'))
  })
})
