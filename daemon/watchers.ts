/**
 * One recursive watcher per share, kept in step with the engine's shares: each change notification
 * makes that share scan soon (LiveShare.noteChange debounces them).
 */
import type { Engine } from '../src/engine/engine'
import { watchFolder, type FolderWatcher } from '../src/platform/node/watch'
import type { Log } from './log'

export interface ShareWatchers {
  close(): void
}

export function watchShares(engine: Engine, log: Log): ShareWatchers {
  const watchers = new Map<string, FolderWatcher>()
  const reconcile = (): void => {
    const locations = new Set(engine.shareList.map((s) => s.stored.location))
    for (const [location, watcher] of watchers) {
      if (locations.has(location)) continue
      watcher.close()
      watchers.delete(location)
    }
    for (const location of locations) {
      if (watchers.has(location)) continue
      const noteChange = (path: string): void =>
        engine.shareList.find((s) => s.stored.location === location)?.noteChange(path)
      watchers.set(location, watchFolder(location, noteChange, log))
    }
  }
  const unsubscribe = engine.on((event) => {
    if (event.type === 'changed') reconcile()
  })
  reconcile()
  return {
    close() {
      unsubscribe()
      for (const watcher of watchers.values()) watcher.close()
      watchers.clear()
    },
  }
}
