import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FileStoreError } from '../../../src/protocol/directory/file-store'
import { parseSharePath } from '../../../src/protocol/directory/share-path'
import { DirectorySyncs } from '../../../src/platform/node/directory-sync'
import { FsFileStore, nameRulesFor } from '../../../src/platform/node/fs-file-store'
import { createNodeHasher } from '../../../src/platform/node/node-hasher'
import {
  collect,
  describeFileStoreContract,
  type StoreFixture,
} from '../../protocol/directory/file-store-contract'

const p = parseSharePath

async function namesBelow(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const name = `${prefix}/${entry.name}`
    out.push(name)
    if (entry.isDirectory()) out.push(...(await namesBelow(join(dir, entry.name), name)))
  }
  return out.sort()
}

async function fsFixture(): Promise<StoreFixture & { root: string; outside: string }> {
  const base = await mkdtemp(join(tmpdir(), 'clearskies-store-'))
  const root = join(base, 'share')
  const outside = join(base, 'outside')
  await mkdir(root)
  await mkdir(outside)
  const local = (path: string): string => join(root, ...path.split('/'))
  return {
    root,
    outside,
    store: new FsFileStore(root, { names: nameRulesFor('linux') }),
    reopen: () => new FsFileStore(root, { names: nameRulesFor('linux') }),
    async writeLocal(path, content, mtimeMs) {
      await mkdir(dirname(local(path)), { recursive: true })
      await writeFile(local(path), content)
      if (mtimeMs !== undefined) await utimes(local(path), mtimeMs / 1000, mtimeMs / 1000)
    },
    readLocal: (path) =>
      readFile(local(path)).then(
        (b) => new Uint8Array(b),
        () => undefined,
      ),
    namesOnDisk: () => namesBelow(root),
    removeRoot: () => rm(root, { recursive: true }),
    cleanup: () => rm(base, { recursive: true, force: true }),
  }
}

const nodeHashing = {
  sha256Hex: (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex'),
  createHasher: createNodeHasher,
}
describeFileStoreContract('FsFileStore', fsFixture, nodeHashing)
describeFileStoreContract(
  'FsFileStore without fsync',
  async () => {
    const fx = await fsFixture()
    const fast = (): FsFileStore => new FsFileStore(fx.root, { names: nameRulesFor('linux'), durable: false })
    return { ...fx, store: fast(), reopen: fast }
  },
  nodeHashing,
)

describe('FsFileStore: nothing outside the share, even through symbolic links', () => {
  let fx: Awaited<ReturnType<typeof fsFixture>>
  beforeEach(async () => {
    fx = await fsFixture()
    await writeFile(join(fx.outside, 'secret.txt'), 'secret')
    await symlink(fx.outside, join(fx.root, 'linkdir'))
    await symlink(join(fx.outside, 'secret.txt'), join(fx.root, 'linkfile'))
  })
  afterEach(() => fx.cleanup())

  const code = async (promise: Promise<unknown>): Promise<string | undefined> =>
    promise.then(
      () => undefined,
      (err: unknown) => (err instanceof FileStoreError ? err.code : String(err)),
    )

  it('does not list, read or write through links', async () => {
    const listed: string[] = []
    for await (const entry of fx.store.list()) listed.push(entry.path)
    expect(listed).toEqual([])
    expect(await code(collect(fx.store.read(p('/linkfile'))))).toBe('ERR_OUTSIDE_SHARE')
    expect(await code(collect(fx.store.read(p('/linkdir/secret.txt'))))).toBe('ERR_OUTSIDE_SHARE')
    expect(await code(fx.store.openTemp(p('/linkdir/new.txt'), 'a'.repeat(64)))).toBe('ERR_OUTSIDE_SHARE')
    expect(await code(fx.store.mkdir(p('/linkdir/sub')))).toBe('ERR_OUTSIDE_SHARE')
    expect(await code(fx.store.setAttributes(p('/linkfile'), { mode: 0o777 }))).toBe('ERR_OUTSIDE_SHARE')
    expect(
      await code(fx.store.remove(p('/linkdir/secret.txt'), { expected: { kind: 'any' }, archive: false })),
    ).toBe('ERR_OUTSIDE_SHARE')
    expect(await readdir(fx.outside)).toEqual(['secret.txt'])
  })

  it('replaces a link itself, never the file it points to, and only when told to expect anything', async () => {
    const temp = await fx.store.openTemp(p('/linkfile'), 'b'.repeat(64))
    await temp.append(new TextEncoder().encode('mine'))
    expect(await fx.store.commit(temp, { expected: { kind: 'absent' } })).toMatchObject({
      ok: false,
      actual: { kind: 'other' },
    })
    expect(await fx.store.commit(temp, { expected: { kind: 'any' } })).toMatchObject({ ok: true })
    expect(await readFile(join(fx.outside, 'secret.txt'), 'utf8')).toBe('secret')
    expect(await readFile(join(fx.root, 'linkfile'), 'utf8')).toBe('mine')
  })
})

describe('FsFileStore: names the local system cannot hold', () => {
  let fx: Awaited<ReturnType<typeof fsFixture>>
  beforeEach(async () => {
    fx = await fsFixture()
  })
  afterEach(() => fx.cleanup())

  it('stores Windows-reserved and case-colliding names mapped, and lists them by their share path', async () => {
    const store = new FsFileStore(fx.root, { names: nameRulesFor('win32') })
    for (const path of ['/a:b/CON.txt', '/Secret.txt', '/secret.txt']) {
      const temp = await store.openTemp(p(path), 'c'.repeat(64))
      await temp.append(new TextEncoder().encode(path))
      expect(await store.commit(temp, { expected: { kind: 'absent' } })).toMatchObject({ ok: true })
    }
    const onDisk = await namesBelow(fx.root)
    expect(onDisk).toContain('/a%3Ab/%43ON.txt')
    expect(onDisk).toContain('/Secret.txt')
    expect(onDisk.some((n) => /^\/secret~[0-9a-f]{8}\.txt$/u.test(n))).toBe(true)
    const listed: string[] = []
    for await (const entry of store.list()) listed.push(entry.path)
    expect(listed.sort()).toEqual(['/Secret.txt', '/a:b', '/a:b/CON.txt', '/secret.txt'])
    expect(new TextDecoder().decode((await collect(store.read(p('/secret.txt')))).bytes)).toBe('/secret.txt')
  })

  it('reserves names found on disk, so a peer file differing only in case lands beside them', async () => {
    await writeFile(join(fx.root, 'Notes.txt'), 'mine')
    const store = new FsFileStore(fx.root, { names: nameRulesFor('darwin') })
    for await (const entry of store.list()) expect(entry.path).toBe('/Notes.txt')
    const temp = await store.openTemp(p('/notes.txt'), 'd'.repeat(64))
    await temp.append(new TextEncoder().encode('theirs'))
    expect(await store.commit(temp, { expected: { kind: 'absent' } })).toMatchObject({ ok: true })
    expect(await readFile(join(fx.root, 'Notes.txt'), 'utf8')).toBe('mine')
    expect((await readdir(fx.root)).some((n) => /^notes~[0-9a-f]{8}\.txt$/u.test(n))).toBe(true)
  })
})

describe('FsFileStore: a process killed at any moment leaves the old file or the new one', () => {
  it('never shows a mix of two versions after SIGKILL', async () => {
    const fx = await fsFixture()
    const script = fileURLToPath(new URL('fixtures/commit-forever.ts', import.meta.url))
    try {
      for (const delayMs of [170, 430]) {
        const child = spawn(process.execPath, ['--import', 'tsx', script, fx.root], {
          stdio: ['ignore', 'pipe', 'inherit'],
        })
        let commits = 0
        child.stdout.on('data', (data: Buffer) => {
          commits += data.toString().split('\n').length - 1
        })
        await new Promise((resolve) => child.stdout.once('data', resolve))
        await new Promise((resolve) => setTimeout(resolve, delayMs))
        child.kill('SIGKILL')
        await new Promise((resolve) => child.once('exit', resolve))
        const content = await readFile(join(fx.root, 'victim.bin'))
        expect(content.byteLength).toBe(2 * 1024 * 1024)
        expect(content.every((byte) => byte === content[0])).toBe(true)
        expect(commits).toBeGreaterThan(0)
      }
    } finally {
      await fx.cleanup()
    }
  })
})

describe('FsFileStore: temporary files and folder fsyncs', () => {
  let fx: Awaited<ReturnType<typeof fsFixture>>
  beforeEach(async () => {
    fx = await fsFixture()
  })
  afterEach(async () => {
    vi.restoreAllMocks()
    await fx.cleanup()
  })
  const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)
  const sha = (s: string): string => createHash('sha256').update(s).digest('hex')

  it('opens a fresh temporary file empty, dropping what a partial one held', async () => {
    const partial = await fx.store.openTemp(p('/f.txt'), sha('whole'))
    await partial.append(bytes('who'))
    await partial.close()
    expect((await fx.store.openTemp(p('/f.txt'), sha('whole'))).size).toBe(3)
    const fresh = await fx.store.openTemp(p('/f.txt'), sha('whole'), { fresh: true })
    expect(fresh.size).toBe(0)
    await fresh.append(bytes('whole'))
    expect(await fx.store.commit(fresh, { expected: { kind: 'absent' } })).toMatchObject({
      ok: true,
      stat: { kind: 'file', size: 5 },
    })
    expect(await readFile(join(fx.root, 'f.txt'), 'utf8')).toBe('whole')
  })

  it('fsyncs each folder once at settle, for every commit made in it since', async () => {
    const store = new FsFileStore(fx.root, { names: nameRulesFor('linux') })
    const syncs = vi.spyOn(DirectorySyncs.prototype, 'sync')
    for (const path of ['/a/1', '/a/2', '/a/3', '/b/1', '/2']) {
      const temp = await store.openTemp(p(path), sha(path))
      await temp.append(bytes(path))
      expect(await store.commit(temp, { expected: { kind: 'absent' } })).toMatchObject({ ok: true })
    }
    expect(syncs).not.toHaveBeenCalled()
    await store.settle()
    expect(syncs.mock.calls.map(([dir]) => dir).sort()).toEqual([
      fx.root,
      join(fx.root, 'a'),
      join(fx.root, 'b'),
    ])
    await store.settle()
    expect(syncs).toHaveBeenCalledTimes(3)
    // A move is durable when it returns (a conflict copy must reach the disk before what replaces it).
    expect(await store.move(p('/a/1'), p('/b/moved'), { kind: 'any' })).toMatchObject({ ok: true })
    expect(syncs).toHaveBeenCalledTimes(4)
  })

  it('fsyncs nothing without durable', async () => {
    const store = new FsFileStore(fx.root, { names: nameRulesFor('linux'), durable: false })
    const syncs = vi.spyOn(DirectorySyncs.prototype, 'sync')
    const temp = await store.openTemp(p('/x'), sha('x'))
    await temp.append(bytes('x'))
    await store.commit(temp, { expected: { kind: 'absent' } })
    await store.settle()
    expect(syncs).not.toHaveBeenCalled()
  })

  it('applies the attributes of a second attempt to commit a refused file elsewhere', async () => {
    await fx.writeLocal('/n.txt', 'local')
    const temp = await fx.store.openTemp(p('/n.txt'), sha('remote'))
    await temp.append(bytes('remote'))
    const refused = await fx.store.commit(temp, { expected: { kind: 'absent' }, attributes: { mode: 0o600 } })
    expect(refused).toMatchObject({ ok: false, reason: 'changed' })
    const elsewhere = await fx.store.commit(temp, {
      expected: { kind: 'absent' },
      target: p('/n.CONFLICT.abcdefgh.txt'),
      attributes: { mode: 0o640 },
    })
    expect(elsewhere).toMatchObject({ ok: true, stat: { mode: 0o640, size: 6 } })
    expect(await readFile(join(fx.root, 'n.txt'), 'utf8')).toBe('local')
  })
})
