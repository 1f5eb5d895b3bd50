/**
 * The directory handles of a file store, by local path, so that placing a file costs no walk from
 * the root: each `getDirectoryHandle` is a round trip to the browser process (1.4 s of a receiving
 * worker's 17.5 s in a sync of 2,000 small files, three walks per file).
 *
 * A handle names a path, not an inode: it stays good as long as the folder is there. A folder the
 * store removes or moves is forgotten with everything below it; one removed behind the store's
 * back (a picked folder changed outside the browser) shows as NotFoundError on its next use, and
 * the store then clears the cache (`clear`) and walks again.
 */
import type { LocalPath } from '../../protocol/directory/local-names'
import { guarded } from './fsa-handles'

export class DirectoryCache {
  private readonly handles = new Map<string, FileSystemDirectoryHandle>()

  constructor(private readonly root: FileSystemDirectoryHandle) {}

  /** The directory at `localDir` ('' or '/' for the root); missing ones are created when asked. */
  async get(localDir: LocalPath, create: boolean): Promise<FileSystemDirectoryHandle> {
    const names = localDir.split('/').filter(Boolean)
    // The deepest folder known, then on down from there.
    let depth = names.length
    let known: FileSystemDirectoryHandle | undefined
    for (; depth > 0 && known === undefined; depth--) known = this.handles.get(pathOf(names, depth))
    if (known !== undefined) depth++
    let dir: FileSystemDirectoryHandle = known ?? this.root
    for (; depth < names.length; depth++) {
      const parent: FileSystemDirectoryHandle = dir
      const name = names[depth] as string
      const walked = pathOf(names, depth + 1)
      const child: FileSystemDirectoryHandle = await guarded(walked, () =>
        parent.getDirectoryHandle(name, { create }),
      )
      this.handles.set(walked, child)
      dir = child
    }
    return dir
  }

  /** A folder went away or moved: it and everything below it are looked up afresh. */
  forget(localDir: LocalPath): void {
    const prefix = `${localDir}/`
    for (const key of this.handles.keys())
      if (key === localDir || key.startsWith(prefix)) this.handles.delete(key)
  }

  clear(): void {
    this.handles.clear()
  }
}

function pathOf(names: readonly string[], depth: number): string {
  return `/${names.slice(0, depth).join('/')}`
}
