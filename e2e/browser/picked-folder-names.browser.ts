/**
 * A folder the person picked is on the device's own file system: on Windows and macOS names that
 * differ only in case are one file there, and Windows refuses some names, so the store maps them
 * (local-names.ts) as the Node store does on those systems. OPFS takes any name.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { browserEnginePlatform } from '../../src/platform/browser/engine-platform'
import { FolderHandles } from '../../src/platform/browser/folder-handles'
import type { FsaFileStore } from '../../src/platform/browser/fsa-file-store'
import { parseSharePath } from '../../src/protocol/directory/share-path'
import { freshOpfsFolder } from './opfs'

const WINDOWS_CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36'
let counter = 0

/** The share's file store, on a picked folder or (none) in OPFS, as the engine opens it. */
async function storeOf(picked?: FileSystemDirectoryHandle): Promise<FsaFileStore> {
  const folders = await FolderHandles.open(`clearskies-folders-test-${Date.now()}-${counter++}`)
  if (picked) await folders.set('Docs', picked)
  const storage = await (
    await browserEnginePlatform(folders)
  ).openShareStorage(`names${Date.now()}${counter++}`, 'Docs')
  return storage.files as FsaFileStore
}

afterEach(() => {
  delete (navigator as unknown as { userAgent?: string }).userAgent
})

describe('name rules of a share', () => {
  it('in a folder picked on Windows: device names mapped, and names that differ only in case kept apart', async () => {
    Object.defineProperty(navigator, 'userAgent', { value: WINDOWS_CHROME, configurable: true })
    const store = await storeOf((await freshOpfsFolder('picked')).dir)
    expect(store.names.toLocal(parseSharePath('/CON.txt'))).not.toBe('/CON.txt')
    const upper = store.names.toLocal(parseSharePath('/README.md'))
    expect(store.names.toLocal(parseSharePath('/readme.md')).toLowerCase()).not.toBe(upper.toLowerCase())
  })

  it('in browser storage: every name as it is', async () => {
    Object.defineProperty(navigator, 'userAgent', { value: WINDOWS_CHROME, configurable: true })
    const store = await storeOf()
    expect(store.names.toLocal(parseSharePath('/CON.txt'))).toBe('/CON.txt')
  })
})
