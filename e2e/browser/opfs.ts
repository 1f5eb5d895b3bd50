/** Test folders in the origin private file system: each test gets its own, removed afterwards. */
import { afterEach, beforeEach } from 'vitest'
import { SWAP_SUFFIX } from '../../src/platform/browser/fsa-file-store'

let counter = 0

export async function freshOpfsFolder(
  prefix: string,
): Promise<{ parent: FileSystemDirectoryHandle; name: string; dir: FileSystemDirectoryHandle }> {
  const parent = await navigator.storage.getDirectory()
  const name = `${prefix}-${Date.now()}-${counter++}`
  return { parent, name, dir: await parent.getDirectoryHandle(name, { create: true }) }
}

/** A fresh OPFS folder for each test of the calling describe block, handed to `use`, removed after the test. */
export function eachFreshOpfsFolder(prefix: string, use: (dir: FileSystemDirectoryHandle) => void): void {
  let folder: Awaited<ReturnType<typeof freshOpfsFolder>> | undefined
  beforeEach(async () => {
    folder = await freshOpfsFolder(prefix)
    use(folder.dir)
  })
  afterEach(() => folder?.parent.removeEntry(folder.name, { recursive: true }))
}

/** The handle of `path` (`/a/b`) below `dir`, creating folders when asked; null when missing. */
export async function folderAt(
  dir: FileSystemDirectoryHandle,
  names: string[],
  create: boolean,
): Promise<FileSystemDirectoryHandle | null> {
  let at = dir
  for (const name of names) {
    try {
      at = await at.getDirectoryHandle(name, { create })
    } catch (err) {
      if (err instanceof DOMException && (err.name === 'NotFoundError' || err.name === 'TypeMismatchError'))
        return null
      throw err
    }
  }
  return at
}

/** Every name below `dir` (`/a`, `/a/b`), sorted, as the disk has them. */
export async function namesBelow(dir: FileSystemDirectoryHandle, prefix = ''): Promise<string[]> {
  const out: string[] = []
  for await (const [name, handle] of dir.entries()) {
    out.push(`${prefix}/${name}`)
    if (handle.kind === 'directory') out.push(...(await namesBelow(handle, `${prefix}/${name}`)))
  }
  return out.sort()
}

/**
 * `namesBelow` without Chromium's swap files, which the store's own listing skips too: while a
 * `createWritable()` is open its bytes go to `<name>.crswap` (SWAP_SUFFIX), and a temporary file's
 * early background write may still be under way when listed.
 */
export async function namesBelowButSwaps(dir: FileSystemDirectoryHandle): Promise<string[]> {
  return (await namesBelow(dir)).filter((name) => !name.endsWith(SWAP_SUFFIX))
}
