/**
 * Change notifications for a synced folder: recursive fs.watch, reported as share paths
 * ('/docs/a.txt'). Notifications only make a scan come sooner; the engine's periodic rescan still
 * catches whatever a watcher misses (overflows, network file systems, a root that was replaced).
 */
import { watch, type FSWatcher } from 'node:fs'
import { sep } from 'node:path'
import type { FolderWatcher } from '../../protocol/directory/folder-watcher'
import { ARCHIVE_DIR, TEMP_SUFFIX } from '../../protocol/directory/ignore'

/** How long to wait before watching again after the watcher failed (the root vanished, say). */
const REWATCH_DELAY_MS = 5_000

export function watchFolder(
  root: string,
  onChange: (path: string) => void,
  log: (message: string) => void,
): FolderWatcher {
  let watcher: FSWatcher | undefined
  let retry: ReturnType<typeof setTimeout> | undefined
  let closed = false
  const start = (): void => {
    retry = undefined
    if (closed) return
    try {
      watcher = watch(root, { recursive: true }, (_event, name) => {
        const names = name === null ? [] : name.toString().split(sep)
        // Our own temporary downloads and archive: the engine wrote them, nothing to scan.
        if (names[0] === ARCHIVE_DIR || names.some((n) => n.endsWith(TEMP_SUFFIX))) return
        onChange(`/${names.join('/')}`)
      })
      watcher.on('error', (err) => restart(err))
    } catch (err) {
      restart(err)
    }
  }
  const restart = (err: unknown): void => {
    watcher?.close()
    watcher = undefined
    if (closed || retry) return
    log(
      `watching ${root} failed (${err instanceof Error ? err.message : String(err)}); the periodic rescan goes on, watching again in ${REWATCH_DELAY_MS / 1000} s`,
    )
    // The root itself may be what changed (deleted, unmounted): tell the share to look.
    onChange('/')
    retry = setTimeout(start, REWATCH_DELAY_MS)
  }
  start()
  return {
    close() {
      closed = true
      if (retry) clearTimeout(retry)
      watcher?.close()
    },
  }
}
