/**
 * One recursive `fs.watch` per share (src/platform/node/watch.ts), kept in step with the engine's
 * shares by src/engine/share-watchers.ts.
 */
import type { Engine } from '../src/engine/engine'
import { type ShareWatchers, watchShares } from '../src/engine/share-watchers'
import { watchFolder } from '../src/platform/node/watch'
import type { Log } from './log'

export function watchDaemonShares(engine: Engine, log: Log): ShareWatchers {
  return watchShares(engine, (location, onChange) => watchFolder(location, onChange, log), log)
}
