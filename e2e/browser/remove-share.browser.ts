/**
 * Removing a share from this device (engine-host.ts `removeShare`): as the interface tells the
 * person, files kept in browser storage are deleted, and so is what the share kept in IndexedDB,
 * so the space comes back; a folder the person picked keeps its files.
 */
import { describe, expect, it } from 'vitest'
import { browserEnginePlatform } from '../../src/platform/browser/engine-platform'
import { EngineHost } from '../../src/platform/browser/engine-host'
import { FolderHandles } from '../../src/platform/browser/folder-handles'
import { parseSharePath } from '../../src/protocol/directory/share-path'
import { folderAt, freshOpfsFolder } from './opfs'

let counter = 0

async function databaseNames(): Promise<string[]> {
  return (await indexedDB.databases()).map((d) => d.name ?? '')
}

/** A host on an engine that holds one share at `location`, opened on the real browser platform. */
async function hostWithShare(location: string, picked?: FileSystemDirectoryHandle) {
  const folders = await FolderHandles.open(`clearskies-folders-test-${Date.now()}-${counter++}`)
  if (picked) await folders.set(location, picked)
  const platform = await browserEnginePlatform(folders)
  const storageId = `test${Date.now()}${counter++}`
  const storage = await platform.openShareStorage(storageId, location)
  // Something in each store: a file, its side-table entry, and the database's own rows.
  const temp = await storage.files.openTemp(parseSharePath('/a.txt'), '00'.repeat(32))
  await temp.append(new TextEncoder().encode('hello'))
  await storage.files.commit(temp, { expected: { kind: 'absent' }, attributes: { mtimeNs: 1n } })
  await storage.index.save(new Map())
  const shares = new Map([[location, { location, storageId }]])
  const engine = {
    on: () => undefined,
    get shareList() {
      return [...shares.values()].map((stored) => ({ stored }))
    },
    pendingJoins: [],
    // As the engine does: the share's stores closed, its entry forgotten.
    async removeShare(at: string) {
      await storage.close()
      shares.delete(at)
    },
  }
  const Host = EngineHost as unknown as new (
    engine: unknown,
    folders: FolderHandles,
    options: unknown,
  ) => EngineHost
  return { host: new Host(engine, folders, { appUrl: 'https://example.test/' }), storageId }
}

describe('removing a share', () => {
  it('deletes the files it kept in browser storage and its databases', async () => {
    const { host, storageId } = await hostWithShare('Trip')
    const opfs = await navigator.storage.getDirectory()
    expect(await folderAt(opfs, ['shares', storageId], false)).not.toBeNull()
    expect((await databaseNames()).filter((n) => n.endsWith(storageId))).toHaveLength(3)

    await host.removeShare('Trip')

    expect(await folderAt(opfs, ['shares', storageId], false)).toBeNull()
    expect((await databaseNames()).filter((n) => n.endsWith(storageId))).toEqual([])
  })

  it('leaves the files in a picked folder where they are', async () => {
    const picked = (await freshOpfsFolder('picked')).dir
    const { host, storageId } = await hostWithShare('Trip', picked)
    await host.removeShare('Trip')
    expect(await (await (await picked.getFileHandle('a.txt')).getFile()).text()).toBe('hello')
    expect((await databaseNames()).filter((n) => n.endsWith(storageId))).toEqual([])
    expect(await host.folder('Trip')).toBeUndefined()
  })
})
