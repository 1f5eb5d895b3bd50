/**
 * One change watcher per share, kept in step with the engine's shares: each notification makes
 * that share scan soon (LiveShare.noteChange debounces them). The platform says how a share's
 * folder is watched (Node: recursive fs.watch; browsers: FileSystemObserver on a picked folder), or
 * that it cannot be, and then the periodic rescan is all there is.
 */
import type { FolderWatcher } from '../protocol/directory/folder-watcher'
import type { Engine } from './engine'

/**
 * Starts watching the folder of the share at `location`, calling `onChange` with share paths
 * ('/docs/a.txt', or '/' for "look everywhere"); undefined where that folder cannot be watched.
 */
export type WatchFolder = (
  location: string,
  onChange: (path: string) => void,
) => FolderWatcher | undefined | Promise<FolderWatcher | undefined>

export interface ShareWatchers {
  close(): void
}

export function watchShares(
  engine: Pick<Engine, 'shareList' | 'on'>,
  watch: WatchFolder,
  log: (message: string) => void,
): ShareWatchers {
  // Promises: a browser's watcher starts asynchronously, and its share may go meanwhile.
  const watchers = new Map<string, Promise<FolderWatcher | undefined>>()
  let closed = false
  const stop = (location: string): void => {
    void watchers.get(location)?.then((watcher) => watcher?.close())
    watchers.delete(location)
  }
  const reconcile = (): void => {
    const locations = new Set(engine.shareList.map((s) => s.stored.location))
    for (const location of [...watchers.keys()]) if (!locations.has(location)) stop(location)
    for (const location of locations) {
      if (watchers.has(location)) continue
      const onChange = (path: string): void => {
        if (watchers.has(location))
          engine.shareList.find((s) => s.stored.location === location)?.noteChange(path)
      }
      const started = Promise.resolve()
        .then(() => watch(location, onChange))
        .catch((err: unknown) => {
          log(`cannot watch ${location} for changes (${String(err)}); the periodic rescan goes on`)
          return undefined
        })
      watchers.set(location, started)
    }
  }
  const unsubscribe = engine.on((event) => {
    if (event.type === 'changed' && !closed) reconcile()
  })
  reconcile()
  return {
    close() {
      closed = true
      unsubscribe()
      for (const location of [...watchers.keys()]) stop(location)
    },
  }
}
