/**
 * An app update raises a database's schema version, and IndexedDB upgrades it only once every
 * older connection has closed. Each test opens the app's store, then the same database at a higher
 * version in the same page, standing for the new version of the app in another tab.
 */
import { openDB, deleteDB, type IDBPDatabase } from 'idb'
import { proxy, wrap, type Remote } from 'comlink'
import { describe, expect, it, vi } from 'vitest'
import type { EngineWorkerApi } from '../../workers/engine.worker'
import {
  DatabaseClosedError,
  DatabaseNotices,
  type StorageNotice,
} from '../../src/platform/browser/database-notices'
import { EngineLock } from '../../src/app/engine-lock'
import { Engine } from '../../src/engine/engine'
import { EngineHost } from '../../src/platform/browser/engine-host'
import { browserEnginePlatform } from '../../src/platform/browser/engine-platform'
import { FolderHandles } from '../../src/platform/browser/folder-handles'
import { IdbAttributeStore } from '../../src/platform/browser/idb-attribute-store'
import { IdbKeyValueStore } from '../../src/platform/browser/idb-kv'
import { IdbLocalIndex } from '../../src/platform/browser/idb-local-index'
import { openDatabase } from '../../src/platform/browser/idb-open'
import { IdbRecordStore } from '../../src/platform/browser/idb-record-store'
import { portStream } from '../../src/platform/browser/port-stream'

/** Far longer than IndexedDB takes to close a connection and upgrade; without the change, forever. */
const SETTLE_MS = 5_000

let databases = 0
const nextName = (): string => `version-test-${Date.now()}-${databases++}`

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: still waiting after ${SETTLE_MS} ms`)), SETTLE_MS),
    ),
  ])
}

/** The next notice `notices` gives (or the one it holds now). */
function nextNotice(notices: DatabaseNotices): Promise<StorageNotice> {
  return new Promise((resolve) => {
    const now = notices.notice
    if (now) return resolve(now)
    const stop = notices.onChange(() => {
      const notice = notices.notice
      if (notice) resolve(notice)
      stop()
    })
  })
}

/** A newer version of the app opening `name`: its upgrade runs once the older connections close. */
async function openNewer(name: string): Promise<IDBPDatabase> {
  return within(
    openDB(name, 2, { upgrade: (db) => void db.createObjectStore('added-by-v2') }),
    `opening ${name} at v2`,
  )
}

/** Each store of the app: opened, it gives a call that uses it once more. */
const stores: ReadonlyArray<{
  readonly kind: string
  readonly use: (name: string, notices: DatabaseNotices) => Promise<() => Promise<unknown>>
}> = [
  {
    kind: 'the engine key-value store',
    use: (name, notices) => IdbKeyValueStore.open(name, notices).then((kv) => () => kv.get('paused')),
  },
  {
    kind: 'a share’s local index',
    use: (name, notices) => IdbLocalIndex.open(name, notices).then((index) => () => index.load()),
  },
  {
    kind: 'a share’s attribute store',
    use: (name, notices) =>
      IdbAttributeStore.open(name, notices).then(
        (attributes) => () => attributes.set('/a.txt', { mtimeNs: 1n, size: 0, lastModifiedMs: 0 }),
      ),
  },
  {
    kind: 'a share’s record store',
    use: (name, notices) =>
      IdbRecordStore.open(name, notices).then((records) => () => records.maxRevisions()),
  },
  {
    kind: 'the picked folders',
    use: (name, notices) => FolderHandles.open(name, notices).then((folders) => () => folders.get('Photos')),
  },
]

describe('a database a newer version of the app opens', () => {
  for (const { kind, use } of stores) {
    it(`is let go by ${kind}, which says so and then fails with a clear error`, async () => {
      const name = nextName()
      const notices = new DatabaseNotices()
      const useStore = await use(name, notices)
      await useStore()

      const newer = await openNewer(name)
      expect(newer.objectStoreNames.contains('added-by-v2')).toBe(true)
      expect(notices.notice).toEqual({
        message: expect.stringMatching(
          /newer version of ClearSkies was opened in another tab.*Reload this tab/,
        ),
        mustReload: true,
      })
      const failed = await within(
        useStore().then(
          () => undefined,
          (err: unknown) => err,
        ),
        'using the old store',
      )
      expect(failed).toBeInstanceOf(DatabaseClosedError)
      expect(failed).toMatchObject({
        code: 'EDBCLOSED',
        message: `the database ${name} was closed because a newer version of ClearSkies opened it in another tab; reload this tab`,
      })
      newer.close()
      await deleteDB(name)
    })
  }

  it('stops the running engine host, which says so, closes its links and still hands over', async () => {
    const unhandled: unknown[] = []
    const noteUnhandled = (event: PromiseRejectionEvent): void => void unhandled.push(event.reason)
    window.addEventListener('unhandledrejection', noteUnhandled)
    const host = await EngineHost.start({ appUrl: 'https://example.test/' })
    // This tab holds the engine lock: a handover closes the host, as main.ts does.
    const lock = `version-test-lock-${Date.now()}`
    let stolen = false
    const tab = new EngineLock(
      () => host.close(),
      () => (stolen = true),
      { name: lock },
    )
    expect(await tab.tryAcquire()).toBe(true)

    // A peer on its own databases, linked to the host over a MessageChannel as the page links a data channel.
    const peer = await Engine.open({
      ...(await browserEnginePlatform(await FolderHandles.open(nextName()))),
      kv: await IdbKeyValueStore.open(nextName()),
    })
    await host.createShare('Docs')
    const { code } = await host.createAccessCode('Docs', 'read_write')
    await peer.addShare(code, 'Docs')
    const [id = ''] = peer.registrations().keys()
    const channel = new MessageChannel()
    const hostLink = host.accept({ kind: 'port', port: channel.port1 }, 'test')
    const peerLink = peer.connectOver(id, portStream(channel.port2), 'test')
    await expect.poll(() => host.snapshot().shares[0]?.peers, { timeout: SETTLE_MS }).toBe(1)

    const newer = await openNewer('clearskies-engine')
    await within(Promise.all([hostLink, peerLink]), 'the link closing')
    const snapshot = host.snapshot()
    expect(snapshot).toMatchObject({
      stopped: true,
      storage: { message: expect.stringMatching(/newer version of ClearSkies/), mustReload: true },
      shares: [],
    })

    // The newer version's tab takes the engine over: the stopped host hands it over, not stolen.
    await within(
      new EngineLock(
        async () => undefined,
        () => undefined,
        { name: lock },
      ).takeOver(),
      'the handover',
    )
    expect(stolen).toBe(false)
    await within(host.close(), 'closing the host again')
    await new Promise((settled) => setTimeout(settled, 100))
    window.removeEventListener('unhandledrejection', noteUnhandled)
    expect(unhandled).toEqual([])

    await peer.close()
    newer.close()
    // The other browser tests open the engine's store at version 1.
    await deleteDB('clearskies-engine')
  })
})

describe('a running engine host whose share’s local index a newer version opens', () => {
  it('stops and closes, though the index it had left to save can no longer be saved', async () => {
    const host = await EngineHost.start({ appUrl: 'https://example.test/' })
    // Only this share's: the tests before leave the databases of theirs.
    const earlier = new Set((await indexedDB.databases()).map((d) => d.name ?? ''))
    await host.createShare('Docs')
    const shareDatabases = (await indexedDB.databases())
      .map((d) => d.name ?? '')
      .filter((name) => !earlier.has(name) && /^clearskies-(index|attributes|records):/.test(name))
    const index = shareDatabases.find((name) => name.startsWith('clearskies-index:')) ?? ''
    // The local index is saved at once after a first change, a while after the next: the share
    // still has the second to save when it stops.
    await host.addFiles('Docs', [{ path: '/a.txt', file: new File(['a'], 'a.txt') }])
    await host.addFiles('Docs', [{ path: '/b.txt', file: new File(['b'], 'b.txt') }])

    const newer = await openNewer(index)
    await within(host.close(), 'closing the host')
    expect(host.snapshot()).toMatchObject({ stopped: true, storage: { mustReload: true } })

    newer.close()
    await Promise.all([...shareDatabases, 'clearskies-engine'].map((name) => deleteDB(name)))
  })
})

describe('a database lost while the engine host starts', () => {
  it('closes the engine it had opened, so that its shares do not run on', async () => {
    const earlier = await EngineHost.start({ appUrl: 'https://example.test/' })
    await earlier.createShare('Docs')
    await earlier.close()
    // The engine's store lost once the engine is open, as the pause is read back.
    const get = IdbKeyValueStore.prototype.get
    const reading = vi.spyOn(IdbKeyValueStore.prototype, 'get').mockImplementation(async function (
      this: IdbKeyValueStore,
      key: string,
    ) {
      if (key === 'paused') throw new DatabaseClosedError('clearskies-engine', 'versionchange')
      return get.call(this, key)
    })
    const closing = vi.spyOn(Engine.prototype, 'close')

    await expect(EngineHost.start({ appUrl: 'https://example.test/' })).rejects.toBeInstanceOf(
      DatabaseClosedError,
    )
    expect(closing).toHaveBeenCalledTimes(1)

    reading.mockRestore()
    closing.mockRestore()
    const names = (await indexedDB.databases())
      .map((d) => d.name ?? '')
      .filter((name) => /^clearskies-(engine|index:|attributes:|records:)/.test(name))
    await Promise.all(names.map((name) => deleteDB(name)))
  })
})

describe('an engine host start that fails', () => {
  it('closes every database it had opened, once, and rejects with why it failed', async () => {
    const earlier = await EngineHost.start({ appUrl: 'https://example.test/' })
    await earlier.createShare('Docs')
    await earlier.close()
    // The engine's store lost once the engine and its share are open, as the pause is read back.
    const lost = new DatabaseClosedError('clearskies-engine', 'versionchange')
    const get = IdbKeyValueStore.prototype.get
    const reading = vi.spyOn(IdbKeyValueStore.prototype, 'get').mockImplementation(async function (
      this: IdbKeyValueStore,
      key: string,
    ) {
      if (key === 'paused') throw lost
      return get.call(this, key)
    })
    const opening = vi.spyOn(IDBFactory.prototype, 'open')
    const closing = vi.spyOn(IDBDatabase.prototype, 'close')

    await expect(EngineHost.start({ appUrl: 'https://example.test/' })).rejects.toBe(lost)
    const opened = opening.mock.calls.map(([name]) => name).sort()
    const closed = closing.mock.contexts.map((db) => (db as IDBDatabase).name).sort()
    reading.mockRestore()
    opening.mockRestore()
    closing.mockRestore()
    expect(opened).toEqual([
      expect.stringMatching(/^clearskies-attributes:/),
      'clearskies-engine',
      'clearskies-folders',
      expect.stringMatching(/^clearskies-index:/),
      expect.stringMatching(/^clearskies-records:/),
    ])
    expect(closed).toEqual(opened)

    const names = (await indexedDB.databases())
      .map((d) => d.name ?? '')
      .filter((name) => /^clearskies-(engine|folders|index:|attributes:|records:)/.test(name))
    await Promise.all(names.map((name) => deleteDB(name)))
  })
})

describe('the engine worker’s start', () => {
  it('releases the page’s onStarting callback once the engine runs', async () => {
    // comlink closes the page's end of a proxied callback's channel when the worker releases it.
    const closed = vi.spyOn(MessagePort.prototype, 'close')
    const worker = new Worker(new URL('../../workers/engine.worker.ts', import.meta.url), { type: 'module' })
    const api = wrap<EngineWorkerApi>(worker)
    const host = (await api.start(
      { appUrl: 'https://example.test/' },
      proxy(() => undefined),
    )) as unknown as Remote<EngineHost>
    await expect.poll(() => closed.mock.calls.length, { timeout: SETTLE_MS }).toBe(1)

    closed.mockRestore()
    await host.close()
    worker.terminate()
    await deleteDB('clearskies-engine')
  })
})

describe('opening a database an older connection holds', () => {
  it('asks for the other tabs to be closed, and completes once they are', async () => {
    const name = nextName()
    // An older version of the app in another tab, which does not let go by itself.
    const older = await openDB(name, 1, { upgrade: (db) => void db.createObjectStore('kv') })
    const notices = new DatabaseNotices()
    let opened = false
    const opening = openDatabase(name, 2, (db) => void db.createObjectStore('added-by-v2'), notices).then(
      (db) => {
        opened = true
        return db
      },
    )

    const notice = await within(nextNotice(notices), 'the blocked open saying so')
    expect(notice).toEqual({
      message: expect.stringMatching(/waiting for its other tabs to close.*Close the other ClearSkies tabs/),
      mustReload: false,
    })
    expect(opened).toBe(false)

    older.close()
    const db = await within(opening, 'the open once the other tab closed')
    expect(db.version).toBe(2)
    expect(notices.notice).toBeUndefined()
    db.close()
    await deleteDB(name)
  })
})

describe('a connection the browser closes abnormally', () => {
  it('is reported, and its store fails with a clear error', async () => {
    const name = nextName()
    const notices = new DatabaseNotices()
    // The browser's 'close' event (a cleared site, a failed disk) cannot be caused from a test: it
    // is dispatched on the connection the store opened, caught as IndexedDB hands it out.
    const open = indexedDB.open.bind(indexedDB)
    let request: IDBOpenDBRequest | undefined
    indexedDB.open = (...args) => (request = open(...args))
    let kv: IdbKeyValueStore
    try {
      kv = await IdbKeyValueStore.open(name, notices)
    } finally {
      indexedDB.open = open
    }
    request?.result.dispatchEvent(new Event('close'))

    expect(notices.notice).toEqual({
      message: expect.stringMatching(/browser closed ClearSkies’s storage unexpectedly.*Reload this tab/),
      mustReload: true,
    })
    await expect(kv.get('paused')).rejects.toThrow(
      `the browser closed the database ${name} abnormally; reload this tab`,
    )
    kv.close()
    await deleteDB(name)
  })
})
