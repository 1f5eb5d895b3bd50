/**
 * Changes made behind the engine's back in a share's folder, seen through FileSystemObserver
 * (folder-observer.ts) in Chromium: what the observer reports, and the worker host's whole chain,
 * where a file written into a picked folder reaches the share's records with no scan asked for
 * (the periodic rescan would take ten minutes). An OPFS folder stands in for a picked one: the
 * observer and the store treat both alike, and a test cannot click through a folder picker.
 */
import { describe, expect, it } from 'vitest'
import { EngineHost } from '../../src/platform/browser/engine-host'
import { observeFolder } from '../../src/platform/browser/folder-observer'
import { ARCHIVE_DIR, TEMP_SUFFIX } from '../../src/protocol/directory/ignore'
import { freshOpfsFolder } from './opfs'

async function write(
  dir: FileSystemDirectoryHandle,
  name: string,
  text: string,
): Promise<FileSystemFileHandle> {
  const file = await dir.getFileHandle(name, { create: true })
  const writable = await file.createWritable()
  await writable.write(text)
  await writable.close()
  return file
}

/** Resolves once `check` holds, polling; rejects after `timeoutMs`. */
async function until(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('observeFolder', () => {
  it('reports changes anywhere below the folder as share paths, but not our temporary files', async () => {
    const { parent, name, dir } = await freshOpfsFolder('observed')
    const seen = new Set<string>()
    const watcher = observeFolder(
      dir,
      (path) => seen.add(path),
      () => undefined,
    )
    expect(watcher).toBeDefined()
    try {
      await new Promise((resolve) => setTimeout(resolve, 200)) // observe() is under way
      const deep = await (
        await dir.getDirectoryHandle('Ordner ü', { create: true })
      ).getDirectoryHandle('b', {
        create: true,
      })
      const file = await write(deep, 'neu.txt', 'one')
      await write(dir, `x.txt${TEMP_SUFFIX}`, 'a download under way')
      await write(await dir.getDirectoryHandle(ARCHIVE_DIR, { create: true }), 'old.txt', 'archived')
      await (file as unknown as { move(to: FileSystemDirectoryHandle, name: string): Promise<void> }).move(
        dir,
        'moved.txt',
      )
      await dir.removeEntry('moved.txt')
      await until(() => seen.has('/moved.txt') && seen.has('/Ordner ü/b/neu.txt'), 5_000)
      expect([...seen].filter((path) => path.includes(TEMP_SUFFIX) || path.includes(ARCHIVE_DIR))).toEqual([])

      watcher?.close()
      seen.clear()
      await write(dir, 'after-close.txt', 'unseen')
      await new Promise((resolve) => setTimeout(resolve, 500))
      expect(seen.size).toBe(0)
    } finally {
      watcher?.close()
      await parent.removeEntry(name, { recursive: true })
    }
  })
})

describe("the worker host's picked folders", () => {
  it('bring a file written behind the engine into the share with no scan asked for', async () => {
    const { parent, name, dir } = await freshOpfsFolder('picked')
    const host = await EngineHost.start({ appUrl: 'https://example.test/' })
    const location = `Picked ${name}`
    try {
      await host.createShare(location, dir)
      await write(dir, 'from-another-app.txt', 'written by some other program')
      // The 2 s quiet wait of directory.md's change notification, then the scan and its hashing.
      await until(
        async () => (await host.listFiles(location)).some((f) => f.path === '/from-another-app.txt'),
        20_000,
      )
      await host.removeShare(location)
    } finally {
      await host.close()
      await parent.removeEntry(name, { recursive: true }).catch(() => undefined)
    }
  }, 40_000)
})
