/** DirectoryShare over a real folder (FsFileStore), a database in memory and a local index in memory. */
import { createHash } from 'node:crypto'
import { access, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { FsFileStore } from '../../../src/platform/node/fs-file-store'
import { createNodeHasher } from '../../../src/platform/node/node-hasher'
import { Database } from '../../../src/protocol/database/database'
import { MemoryRecordStore } from '../../../src/protocol/database/memory-record-store'
import { parseUpdate, updateBody, type DatabaseRecord } from '../../../src/protocol/database/record'
import { compareClocks } from '../../../src/protocol/database/vector-clock'
import type { JsonObject } from '../../../src/protocol/wire/json-value'
import { ConflictCopies } from '../../../src/protocol/directory/conflict-copies'
import { DirectoryShare, type DirectoryLink } from '../../../src/protocol/directory/directory-share'
import type {
  ChangeResult,
  CommitOptions,
  EntryStat,
  FileStore,
  ListedEntry,
  TempFile,
} from '../../../src/protocol/directory/file-store'
import { fileValueOf } from '../../../src/protocol/directory/record-view'
import type { SharePath } from '../../../src/protocol/directory/share-path'
import { MemoryLocalIndex } from '../../../src/protocol/directory/local-index'
import { encodeBody, id, record, rsaKeys, type Keys } from '../database/helpers'

let keys: Keys
beforeAll(async () => {
  keys = await rsaKeys()
})

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'cs-directory-share-'))
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

// Each draw gives another conflict name, as real randomness does: a second copy made by mistake
// must not land on the first one's name and pass for an update of it.
let draws = 0
const randomBytes = (n: number) => new Uint8Array(n).fill(7 + (draws++ % 36))

async function openShare(
  records: MemoryRecordStore,
  index: MemoryLocalIndex,
  store: FileStore = new FsFileStore(root),
  pieceBytes?: number,
) {
  const conflicts = new ConflictCopies(id(0xa), randomBytes)
  const database = await Database.open({
    store: records,
    peerId: id(0xa),
    access: 'read_write',
    verifier: keys.verifier,
    signer: keys.signer,
    encodeBody,
    resolver: conflicts.resolver,
  })
  const share = await DirectoryShare.open({
    database,
    records: () => records.changedSince(new Map(), 1_000),
    store,
    index,
    createHasher: createNodeHasher,
    access: 'read_write',
    conflicts,
    randomBytes,
    log: () => {},
    ...(pieceBytes ? { pieceBytes } : {}),
  })
  return { database, share }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  )
}

describe('DirectoryShare.open', () => {
  it('removes a file whose record was deleted by a peer before the share closed without applying it', async () => {
    const records = new MemoryRecordStore()
    const index = new MemoryLocalIndex()
    await writeFile(join(root, 'gone.txt'), 'deleted elsewhere')
    const first = await openShare(records, index)
    await first.share.scan()
    const live = await first.database.get('/gone.txt')
    expect(live).toBeDefined()
    // A peer's tombstone is stored, and the share closes before the folder is brought in line
    // (the engine stopping with updates still on their way to the directory).
    first.database.attach('bob', { access: 'read_write', send: () => {} })
    const tombstone = updateBody({
      ...live!,
      value: null,
      deleted: true,
      lastUpdatedBy: id(0xb),
      lastUpdatedRev: 1n,
      updateTime: live!.updateTime + 1n,
      vectorClock: new Map([...live!.vectorClock, [id(0xb), 1n]]),
    })
    expect(await first.database.receive('bob', { body: tombstone })).toMatchObject({ result: 'stored' })
    await first.share.close()

    await openShare(records, index)
    expect(await exists(join(root, 'gone.txt'))).toBe(false)
  })
})

/** A store on a platform without Unix modes (the browser's): entries come without `mode`. */
class NoModeStore extends FsFileStore {
  override async *list(skip?: (path: string) => boolean): AsyncIterable<ListedEntry> {
    for await (const { mode: _mode, ...entry } of super.list(skip)) yield entry
  }
}

/** Year 10000: tmpfs and btrfs keep such times; ext4 (where the tests' folders live) cannot. */
const YEAR_10000_NS = 253_402_300_800n * 1_000_000_000n

/** A store on a file system that keeps modification times past year 9999, for `far.txt`. */
class FarFutureStore extends FsFileStore {
  override async *list(skip?: (path: string) => boolean): AsyncIterable<ListedEntry> {
    for await (const entry of super.list(skip))
      yield entry.path === '/far.txt' ? { ...entry, mtimeNs: YEAR_10000_NS } : entry
  }

  override async stat(path: SharePath): Promise<EntryStat | null> {
    const stat = await super.stat(path)
    return stat && path === '/far.txt' ? { ...stat, mtimeNs: YEAR_10000_NS } : stat
  }
}

describe('DirectoryShare.scan', () => {
  it('records a file whose modification time no datetime value can write, without mtime', async () => {
    const records = new MemoryRecordStore()
    await writeFile(join(root, 'far.txt'), 'from the future')
    await writeFile(join(root, 'near.txt'), 'from today')
    const { database, share } = await openShare(records, new MemoryLocalIndex(), new FarFutureStore(root))
    await share.scan()
    const far = await database.get('/far.txt')
    expect(far?.value).toMatchObject({ size: 15 })
    expect(far?.value).not.toHaveProperty('mtime')
    expect((await database.get('/near.txt'))?.value).toHaveProperty('mtime')
  })

  it('keeps a unix_mode it cannot read itself when the file changes here', async () => {
    const records = new MemoryRecordStore()
    const index = new MemoryLocalIndex()
    await writeFile(join(root, 'script.sh'), 'echo 1', { mode: 0o755 })
    const first = await openShare(records, index)
    await first.share.scan()
    const before = await first.database.get('/script.sh')
    expect(before && fileValueOf(before)).toMatchObject({ unixMode: 0o755 })
    await first.share.close()

    const second = await openShare(records, index, new NoModeStore(root))
    await writeFile(join(root, 'script.sh'), 'echo 2, edited where modes are unknown')
    await second.share.scan()
    const after = await second.database.get('/script.sh')
    expect(after?.lastUpdatedRev).toBeGreaterThan(before!.lastUpdatedRev) // the edit was recorded
    // directory.md: "If an implementation does not support them, values that were originally set
    // by other peers should not be erased."
    expect(after && fileValueOf(after)).toMatchObject({ unixMode: 0o755 })
  })

  it('keeps fields other peers set on a file when it is renamed here', async () => {
    const records = new MemoryRecordStore()
    const index = new MemoryLocalIndex()
    await writeFile(join(root, 'song.mp3'), 'la la la')
    const { database, share } = await openShare(records, index)
    await share.scan()
    const scanned = await database.get('/song.mp3')
    // A peer's extension field ("Custom fields ... should be ignored if not understood, but
    // preserved in the database for other clients' benefit").
    await database.set('/song.mp3', { ...(scanned!.value as object), '.com.ibm.music.duration': 180 })
    await rename(join(root, 'song.mp3'), join(root, 'renamed.mp3'))
    const batch = await share.scan()
    expect(batch.moved.map((m) => [m.from, m.to.path])).toEqual([['/song.mp3', '/renamed.mp3']])
    const moved = await database.get('/renamed.mp3')
    expect(moved?.uuid).toBe(scanned?.uuid)
    expect(moved?.value).toMatchObject({ '.com.ibm.music.duration': 180 })
  })
})

/**
 * /f.txt v1 is here and recorded; Bob's v2 of it is stored, its content not fetched yet. `ahead`:
 * how far Bob's update_time is past v1's, in nanoseconds.
 */
async function bobsNewerVersion(ahead = 1n) {
  const records = new MemoryRecordStore()
  const index = new MemoryLocalIndex()
  await writeFile(join(root, 'f.txt'), 'v1')
  const { database, share } = await openShare(records, index)
  await share.scan()
  const v1 = (await database.get('/f.txt'))!
  database.attach('bob', { access: 'read_write', send: () => {} })
  const sha256 = createHash('sha256').update('v2 from bob').digest('hex')
  const body = updateBody({
    ...v1,
    value: { size: 11, sha256 },
    lastUpdatedBy: id(0xb),
    lastUpdatedRev: 1n,
    updateTime: v1.updateTime + ahead,
    vectorClock: new Map([...v1.vectorClock, [id(0xb), 1n]]),
  })
  const outcome = await database.receive('bob', { body })
  expect(outcome).toMatchObject({ result: 'stored' })
  if (outcome.result === 'stored') await share.recordStored(outcome.record)
  return { database, share, sha256, v1 }
}

async function bobsArrives(share: DirectoryShare, sha256: string): Promise<void> {
  const { link } = await linkToBob(share)
  const data = new TextEncoder().encode('v2 from bob')
  await share.receive(link, { type: 'directory.data', sha256, range: [0, 11] }, chunks(data))
  await share.close()
}

describe('a local edit of a file whose newer version from a peer has not arrived yet', () => {
  it("is shared at once, concurrent with the peer's version, which is kept under a conflict name (directory.md, 'Local file changes')", async () => {
    // Bob's newer version is stored; its content is still to be fetched (no link yet).
    const { database, share, sha256: bobs, v1 } = await bobsNewerVersion()
    const bobsRecord = (await database.get('/f.txt'))!
    const carol = await subscribedPeer(database)
    // Meanwhile the user edits the old version here, and a scan runs before Bob's content arrives.
    await writeFile(join(root, 'f.txt'), 'v1, edited here')
    await share.scan()
    await database.idle()
    // The edit is recorded and sent now, not when (if ever) Bob's content arrives. It is the later
    // change, so it keeps the name; its clock descends from Bob's, so no peer sees a conflict of
    // its own, and Bob's version goes out first under a conflict name, the original's uuid as its
    // conflict_source.
    const edited = createHash('sha256').update('v1, edited here').digest('hex')
    const now = (await database.get('/f.txt'))!
    expect(now.uuid).toBe(v1.uuid)
    expect(fileValueOf(now)).toMatchObject({ sha256: edited })
    expect(compareClocks(now.vectorClock, bobsRecord.vectorClock)).toBe('incoming-newer')
    const sent = carol.updates()
    expect(sent.map((u) => [u.key, fileValueOf(u)])).toEqual([
      [
        expect.stringMatching(/^\/f\.CONFLICT\.[0-9a-z]{8}\.txt$/),
        expect.objectContaining({ sha256: bobs, conflictSource: v1.uuid }),
      ],
      ['/f.txt', expect.objectContaining({ sha256: edited })],
    ])
    expect(await readFile(join(root, 'f.txt'), 'utf8')).toBe('v1, edited here')

    // Bob's content arrives: it goes to the conflict name, and the edit stays where it is.
    const { link, asked } = await linkToBob(share)
    expect(asked).toContain('directory.get')
    const data = new TextEncoder().encode('v2 from bob')
    await share.receive(link, { type: 'directory.data', sha256: bobs, range: [0, 11] }, chunks(data))
    await share.close()
    expect(await readFile(join(root, 'f.txt'), 'utf8')).toBe('v1, edited here')
    const copies = (await readdir(root)).filter((name) => /^f\.CONFLICT\.[0-9a-z]{8}\.txt$/.test(name))
    expect(copies).toEqual([sent[0]!.key.slice(1)])
    expect(await readFile(join(root, copies[0]!), 'utf8')).toBe('v2 from bob')
  })

  it("keeps the edit under a conflict name at once, shared, when the peer's version is the later one", async () => {
    const { database, share, sha256: bobs, v1, carol } = await savedOverBobsLater('v1, edited here')
    const edited = createHash('sha256').update('v1, edited here').digest('hex')
    const now = await database.get('/f.txt')
    expect(now && fileValueOf(now)).toMatchObject({ sha256: bobs })
    const sent = carol.updates()
    expect(sent.map((u) => [u.key, fileValueOf(u)])).toEqual([
      [
        expect.stringMatching(/^\/f\.CONFLICT\.[0-9a-z]{8}\.txt$/),
        expect.objectContaining({ sha256: edited, conflictSource: v1.uuid }),
      ],
    ])
    expect(await readFile(join(root, sent[0]!.key.slice(1)), 'utf8')).toBe('v1, edited here')

    // Bob's content arrives and takes the name; the edit is not copied a second time.
    await bobsArrives(share, bobs)
    expect(await readFile(join(root, 'f.txt'), 'utf8')).toBe('v2 from bob')
    expect((await readdir(root)).sort()).toEqual(['f.txt', sent[0]!.key.slice(1)].sort())
  })
})

describe("further edits here while the peer's version that won is still on its way", () => {
  const CONFLICT = /^\/f\.CONFLICT\.[0-9a-z]{8}\.txt$/

  it('update the conflict copy already made for it, as new versions of that record, not a copy each', async () => {
    const { database, share, sha256: bobs, v1, carol } = await savedOverBobsLater('first save')
    const [copy] = carol.updates()
    expect(copy?.key).toMatch(CONFLICT)
    // The person saves twice more before Bob's content arrives.
    for (const save of ['second save', 'third save']) {
      await writeFile(join(root, 'f.txt'), save)
      await share.scan()
    }
    await database.idle()
    const sent = carol.updates()
    expect(sent.map((u) => [u.key, u.uuid, fileValueOf(u)])).toEqual(
      ['first save', 'second save', 'third save'].map((save) => [
        copy!.key,
        copy!.uuid,
        expect.objectContaining({ sha256: sha(save), conflictSource: v1.uuid }),
      ]),
    )
    expect(compareClocks(sent[2]!.vectorClock, sent[1]!.vectorClock)).toBe('incoming-newer')
    expect(await readFile(join(root, copy!.key.slice(1)), 'utf8')).toBe('third save')

    // Bob's content arrives and takes the name; one copy holds the person's last save.
    await bobsArrives(share, bobs)
    expect(await readFile(join(root, 'f.txt'), 'utf8')).toBe('v2 from bob')
    expect((await readdir(root)).sort()).toEqual(['f.txt', copy!.key.slice(1)].sort())
    expect(await readFile(join(root, copy!.key.slice(1)), 'utf8')).toBe('third save')
  })

  it('make a new copy once the person has changed the first one, which keeps their change', async () => {
    const { database, share, carol } = await savedOverBobsLater('first save')
    await writeFile(join(root, 'f.txt'), 'second save')
    await share.scan()
    await database.idle()
    const copy = carol.updates()[0]!.key
    expect(new Set(carol.updates().map((u) => u.key))).toEqual(new Set([copy]))
    await writeFile(join(root, copy.slice(1)), 'the copy, edited')
    await share.scan()
    await writeFile(join(root, 'f.txt'), 'third save')
    await share.scan()
    await database.idle()
    await share.close()
    const kept = await database.get(copy)
    expect(kept && fileValueOf(kept)).toMatchObject({ sha256: sha('the copy, edited') })
    expect(await readFile(join(root, copy.slice(1)), 'utf8')).toBe('the copy, edited')
    const copies = (await readdir(root)).filter((name) => CONFLICT.test(`/${name}`) && `/${name}` !== copy)
    expect(copies).toHaveLength(1)
    expect(await readFile(join(root, copies[0]!), 'utf8')).toBe('third save')
  })

  it('make a new copy when the person changed the first one in the same scan, which keeps their change', async () => {
    const { database, share, sha256: bobs, carol } = await savedOverBobsLater('first save')
    const copy = carol.updates()[0]!.key
    // Both found by one scan: the copy edited by hand, and the file saved again.
    await writeFile(join(root, copy.slice(1)), 'the copy, edited')
    await writeFile(join(root, 'f.txt'), 'second save')
    await share.scan()
    await database.idle()
    // Bob's content takes the name: the second save must be kept elsewhere by then.
    await bobsArrives(share, bobs)
    expect(await readFile(join(root, 'f.txt'), 'utf8')).toBe('v2 from bob')
    expect(await readFile(join(root, copy.slice(1)), 'utf8')).toBe('the copy, edited')
    const kept = await database.get(copy)
    expect(kept && fileValueOf(kept)).toMatchObject({ sha256: sha('the copy, edited') })
    const copies = (await readdir(root)).filter((name) => CONFLICT.test(`/${name}`) && `/${name}` !== copy)
    expect(copies).toHaveLength(1)
    expect(await readFile(join(root, copies[0]!), 'utf8')).toBe('second save')
  })
})

function sha(content: string): string {
  return createHash('sha256').update(content).digest('hex')
}

/**
 * Bob's version of /f.txt wins over `save`, made here before its content arrives and scanned:
 * his clock runs an hour ahead, so his update_time is the later one. Carol sees what is sent.
 */
async function savedOverBobsLater(save: string) {
  const bobs = await bobsNewerVersion(3_600_000_000_000n)
  const carol = await subscribedPeer(bobs.database)
  await writeFile(join(root, 'f.txt'), save)
  await bobs.share.scan()
  await bobs.database.idle()
  return { ...bobs, carol }
}

/** A read-write peer subscribed to our updates, and the records sent to it. */
async function subscribedPeer(database: Database): Promise<{ updates: () => DatabaseRecord[] }> {
  const bodies: JsonObject[] = []
  database.attach('carol', {
    access: 'read_write',
    send: (m) => void (m.kind === 'm' && m.body.type === 'database.update' && bodies.push(m.body)),
  })
  await database.receive('carol', { body: { type: 'database.get_updates', since: {} } })
  await database.idle()
  bodies.length = 0
  return { updates: () => bodies.map((body) => parseUpdate(body)) }
}

describe('a file deleted or moved away here while its newer version from a peer is on its way', () => {
  it("a deletion does not delete the peer's version: it takes the path once it arrives", async () => {
    const { database, share, sha256 } = await bobsNewerVersion()
    await writeFile(join(root, 'other.txt'), 'so that the folder is not empty')
    await rm(join(root, 'f.txt'))
    await share.scan()
    const now = await database.get('/f.txt')
    expect(now && fileValueOf(now)).toMatchObject({ sha256 })
    await bobsArrives(share, sha256)
    expect(await readFile(join(root, 'f.txt'), 'utf8')).toBe('v2 from bob')
    expect((await readdir(root)).sort()).toEqual(['f.txt', 'other.txt'])
  })

  it("a move records the moved file as a new one and leaves the path to the peer's version", async () => {
    const { database, share, sha256, v1 } = await bobsNewerVersion()
    await rename(join(root, 'f.txt'), join(root, 'g.txt'))
    await share.scan()
    const f = await database.get('/f.txt')
    expect(f?.uuid).toBe(v1.uuid)
    expect(f && fileValueOf(f)).toMatchObject({ sha256 })
    const g = await database.get('/g.txt')
    expect(g && fileValueOf(g)).toMatchObject({ sha256: createHash('sha256').update('v1').digest('hex') })
    await bobsArrives(share, sha256)
    expect(await readFile(join(root, 'f.txt'), 'utf8')).toBe('v2 from bob')
    expect(await readFile(join(root, 'g.txt'), 'utf8')).toBe('v1')
    expect((await readdir(root)).sort()).toEqual(['f.txt', 'g.txt'])
  })
})

describe("a file put here at a path whose peer's file has not arrived yet", () => {
  const mine = createHash('sha256').update('mine').digest('hex')

  it("records a move there at once, concurrent with the peer's file, which is kept under a conflict name", async () => {
    const records = new MemoryRecordStore()
    const index = new MemoryLocalIndex()
    await writeFile(join(root, 'y.txt'), 'mine')
    const { database, share } = await openShare(records, index)
    await share.scan()
    const sha256 = await peerCreates(database, share, '/x.txt', 'bobs', 1)
    const bobs = (await database.get('/x.txt'))!
    const carol = await subscribedPeer(database)
    // Before Bob's /x.txt arrives, the user renames y.txt to x.txt, and writes another file.
    await rename(join(root, 'y.txt'), join(root, 'x.txt'))
    await writeFile(join(root, 'z.txt'), 'another change')
    await share.scan()
    await database.idle()
    // The renamed file is the later change: it keeps the name at once, on Bob's record with a
    // clock that descends from his, and Bob's file goes out first under a conflict name.
    expect(await database.get('/z.txt')).toBeDefined()
    expect(await database.get('/y.txt')).toBeUndefined()
    const x = (await database.get('/x.txt'))!
    expect(x.uuid).toBe(bobs.uuid)
    expect(fileValueOf(x)).toMatchObject({ sha256: mine })
    expect(compareClocks(x.vectorClock, bobs.vectorClock)).toBe('incoming-newer')
    const sent = carol.updates().map((u) => [u.key, fileValueOf(u)])
    const conflict = sent.findIndex(([key]) => /^\/x\.CONFLICT\.[0-9a-z]{8}\.txt$/.test(key as string))
    expect(sent[conflict]![1]).toMatchObject({ sha256, conflictSource: bobs.uuid })
    expect(sent.findIndex(([key]) => key === '/x.txt')).toBeGreaterThan(conflict)
    expect(await readFile(join(root, 'x.txt'), 'utf8')).toBe('mine')

    // Bob's file arrives: it goes to the conflict name, the renamed file stays where it is.
    const { link } = await linkToBob(share)
    await share.receive(link, { type: 'directory.data', sha256, range: [0, 4] }, chunks(Buffer.from('bobs')))
    await share.close()
    expect(await readFile(join(root, 'x.txt'), 'utf8')).toBe('mine')
    const copies = (await readdir(root)).filter((name) => /^x\.CONFLICT\.[0-9a-z]{8}\.txt$/.test(name))
    expect(copies).toEqual([(sent[conflict]![0] as string).slice(1)])
    expect(await readFile(join(root, copies[0]!), 'utf8')).toBe('bobs')
  })

  it("shares a new file there at once, though the peer's file never arrives", async () => {
    const { database, share } = await openShare(new MemoryRecordStore(), new MemoryLocalIndex())
    await share.scan()
    const sha256 = await peerCreates(database, share, '/x.txt', 'bobs', 1)
    const carol = await subscribedPeer(database)
    await writeFile(join(root, 'x.txt'), 'mine')
    await share.scan()
    await database.idle()
    await share.close()
    // Nothing of Bob's content ever comes (no link): the new file is recorded and sent anyway,
    // and Bob's version is kept under a conflict name, to be fetched when it can be.
    const x = await database.get('/x.txt')
    expect(x && fileValueOf(x)).toMatchObject({ sha256: mine })
    expect(carol.updates().map((u) => [u.key, fileValueOf(u)])).toEqual([
      [
        expect.stringMatching(/^\/x\.CONFLICT\.[0-9a-z]{8}\.txt$/),
        expect.objectContaining({ sha256, conflictSource: id(0x101) }),
      ],
      ['/x.txt', expect.objectContaining({ sha256: mine })],
    ])
    expect(await readFile(join(root, 'x.txt'), 'utf8')).toBe('mine')
  })

  it("keeps a new file there under a conflict name at once, shared, when the peer's file is the later one", async () => {
    const { database, share } = await openShare(new MemoryRecordStore(), new MemoryLocalIndex())
    await share.scan()
    // Bob's clock runs far ahead: his file has the later update_time and keeps the name.
    const sha256 = await peerCreates(database, share, '/x.txt', 'bobs', 1, 4_000_000_000_000_000_000n)
    const carol = await subscribedPeer(database)
    await writeFile(join(root, 'x.txt'), 'mine')
    await share.scan()
    await database.idle()
    const x = await database.get('/x.txt')
    expect(x && fileValueOf(x)).toMatchObject({ sha256 })
    const sent = carol.updates()
    expect(sent.map((u) => [u.key, fileValueOf(u)])).toEqual([
      [
        expect.stringMatching(/^\/x\.CONFLICT\.[0-9a-z]{8}\.txt$/),
        expect.objectContaining({ sha256: mine, conflictSource: id(0x101) }),
      ],
    ])
    const copy = sent[0]!.key.slice(1)
    expect(await readFile(join(root, copy), 'utf8')).toBe('mine')

    // Bob's file arrives and takes the path; the new file is not copied a second time.
    const { link } = await linkToBob(share)
    await share.receive(link, { type: 'directory.data', sha256, range: [0, 4] }, chunks(Buffer.from('bobs')))
    await share.close()
    expect(await readFile(join(root, 'x.txt'), 'utf8')).toBe('bobs')
    expect((await readdir(root)).sort()).toEqual([copy, 'x.txt'].sort())
  })

  it("keeps later saves of a new file there in its one conflict copy, while the peer's file that won is on its way", async () => {
    const { database, share } = await openShare(new MemoryRecordStore(), new MemoryLocalIndex())
    await share.scan()
    const sha256 = await peerCreates(database, share, '/x.txt', 'bobs', 1, 4_000_000_000_000_000_000n)
    const carol = await subscribedPeer(database)
    for (const save of ['mine', 'mine, saved again']) {
      await writeFile(join(root, 'x.txt'), save)
      await share.scan()
    }
    await database.idle()
    const sent = carol.updates()
    expect(new Set(sent.map((u) => u.key)).size).toBe(1)
    const copy = sent[1]!
    expect(fileValueOf(copy)).toMatchObject({
      sha256: createHash('sha256').update('mine, saved again').digest('hex'),
      conflictSource: id(0x101),
    })
    const { link } = await linkToBob(share)
    await share.receive(link, { type: 'directory.data', sha256, range: [0, 4] }, chunks(Buffer.from('bobs')))
    await share.close()
    expect(await readFile(join(root, 'x.txt'), 'utf8')).toBe('bobs')
    expect((await readdir(root)).sort()).toEqual([copy.key.slice(1), 'x.txt'].sort())
    expect(await readFile(join(root, copy.key.slice(1)), 'utf8')).toBe('mine, saved again')
  })

  it("records a move of the peer's own content onto that path as the old path's deletion", async () => {
    const records = new MemoryRecordStore()
    const index = new MemoryLocalIndex()
    const { database, share } = await openShare(records, index)
    const sha256 = await peerCreates(database, share, '/x.txt', 'bobs', 1)
    // The same content is written here under another name (so it is not copied to /x.txt), then
    // renamed to /x.txt.
    await writeFile(join(root, 'y.txt'), 'bobs')
    await share.scan()
    expect(share.holds('/x.txt')).toBe(false)
    await rename(join(root, 'y.txt'), join(root, 'x.txt'))
    await share.scan()
    expect(await database.get('/y.txt')).toBeUndefined()
    const x = await database.get('/x.txt')
    expect(x?.uuid).toBe(id(0x101))
    expect(x && fileValueOf(x)).toMatchObject({ sha256 })
    expect(share.holds('/x.txt')).toBe(true)
  })
})

/** Bob, a read-write peer, creates a new file record (its content still to be fetched here). */
async function peerCreates(
  database: Database,
  share: DirectoryShare,
  path: string,
  content: string,
  n: number,
  updateTime = 1_700_000_000_000_000_000n + BigInt(n),
): Promise<string> {
  database.attach('bob', { access: 'read_write', send: () => {} })
  const sha256 = createHash('sha256').update(content).digest('hex')
  const body = updateBody(
    record({
      key: path,
      value: { size: Buffer.byteLength(content), sha256 },
      uuid: id(0x100 + n),
      lastUpdatedBy: id(0xb),
      lastUpdatedRev: BigInt(n),
      updateTime,
      vectorClock: new Map([[id(0xb), 1n]]),
    }),
  )
  const outcome = await database.receive('bob', { body })
  expect(outcome).toMatchObject({ result: 'stored' })
  if (outcome.result === 'stored') await share.recordStored(outcome.record)
  return sha256
}

/** A link to Bob that has everything, and what was asked of it. */
async function linkToBob(share: DirectoryShare): Promise<{ link: DirectoryLink; asked: string[] }> {
  const asked: string[] = []
  const link = {
    id: 'bob',
    send: async (message: { type: string }) => void asked.push(message.type),
    close: () => {},
  }
  share.attach(link)
  await share.receive(link, { type: 'directory.bloom_filter', k_value: 1 }, chunks(Uint8Array.of(0xff)))
  return { link, asked }
}

describe('a fetched content wanted at several paths', () => {
  it('is placed at the next path when the first one cannot take it', async () => {
    const records = new MemoryRecordStore()
    const index = new MemoryLocalIndex()
    const { database, share } = await openShare(records, index)
    const content = 'the same content at two paths'
    const sha256 = await peerCreates(database, share, '/a.txt', content, 1)
    await peerCreates(database, share, '/b.txt', content, 2)
    // Before the content arrives, a folder appears here at /a.txt (not scanned yet): the file
    // cannot go there, and a folder is not a file to keep under a conflict name.
    await mkdir(join(root, 'a.txt'))
    const { link } = await linkToBob(share)
    const data = new TextEncoder().encode(content)
    await share.receive(link, { type: 'directory.data', sha256, range: [0, data.byteLength] }, chunks(data))
    await share.close()
    expect((await stat(join(root, 'a.txt'))).isDirectory()).toBe(true)
    expect(await readFile(join(root, 'b.txt'), 'utf8')).toBe(content)
    expect(share.holds('/b.txt')).toBe(true)
    expect(share.holds('/a.txt')).toBe(false)
  })

  it('is placed at the next path when writing the first one fails', async () => {
    const records = new MemoryRecordStore()
    const index = new MemoryLocalIndex()
    // /a.txt cannot be written (as in a folder the user made read-only; the tests run as root).
    class ReadOnlyA extends FsFileStore {
      override commit(temp: TempFile, options: CommitOptions): Promise<ChangeResult> {
        if ((options.target ?? temp.path) === '/a.txt')
          return Promise.reject(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }))
        return super.commit(temp, options)
      }
    }
    const { database, share } = await openShare(records, index, new ReadOnlyA(root))
    const content = 'the same content at two paths'
    const sha256 = await peerCreates(database, share, '/a.txt', content, 1)
    await peerCreates(database, share, '/b.txt', content, 2)
    const { link } = await linkToBob(share)
    const data = new TextEncoder().encode(content)
    await share.receive(link, { type: 'directory.data', sha256, range: [0, data.byteLength] }, chunks(data))
    await share.close()
    expect(await exists(join(root, 'a.txt'))).toBe(false)
    expect(await readFile(join(root, 'b.txt'), 'utf8')).toBe(content)
  })

  it('goes to the path that still wants it, not beside the one whose temporary file it is in', async () => {
    const records = new MemoryRecordStore()
    const index = new MemoryLocalIndex()
    const { database, share } = await openShare(records, index, undefined, 4)
    const content = 'twelve bytes'
    const sha256 = await peerCreates(database, share, '/a.txt', content, 1)
    await peerCreates(database, share, '/b.txt', content, 2)
    const { link } = await linkToBob(share)
    const data = new TextEncoder().encode(content)
    const piece = (start: number) =>
      share.receive(
        link,
        { type: 'directory.data', sha256, range: [start, 4] },
        chunks(data.subarray(start, start + 4)),
      )
    // The first piece opens the temporary file beside /a.txt; then Bob deletes /a.txt.
    await piece(0)
    expect((await readdir(root)).some((name) => name.endsWith('.!clearsky'))).toBe(true)
    const a = (await database.get('/a.txt'))!
    const tombstone = updateBody({
      ...a,
      value: null,
      deleted: true,
      lastUpdatedRev: 3n,
      updateTime: a.updateTime + 10n,
      vectorClock: new Map([[id(0xb), 2n]]),
    })
    const outcome = await database.receive('bob', { body: tombstone })
    expect(outcome).toMatchObject({ result: 'stored' })
    if (outcome.result === 'stored') await share.recordStored(outcome.record)
    await piece(4)
    await piece(8)
    await share.close()
    expect(await exists(join(root, 'a.txt'))).toBe(false)
    expect(await readFile(join(root, 'b.txt'), 'utf8')).toBe(content)
  })
})

async function* chunks(...parts: Uint8Array[]): AsyncIterable<Uint8Array> {
  yield* parts
}
