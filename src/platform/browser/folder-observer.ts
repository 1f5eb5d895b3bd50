/**
 * Change notifications for a share's folder where the browser has FileSystemObserver (Chromium
 * 133 and later, on picked folders and OPFS alike), recursive, reported as share paths. As with
 * Node's fs.watch (src/platform/node/watch.ts), a notification only makes a scan come sooner:
 * elsewhere, and for whatever an observer misses, the periodic rescan finds changes by size and
 * mtime and hashes only what changed.
 */
import type { FolderWatcher } from '../../protocol/directory/folder-watcher'
import { ARCHIVE_DIR, TEMP_SUFFIX } from '../../protocol/directory/ignore'

/** How long to wait before observing again after the observer failed or could not start. */
const REOBSERVE_DELAY_MS = 5_000

/** FileSystemObserver (WICG File System Access, "observer"): not in TypeScript's lib yet. */
interface ChangeRecord {
  readonly type: 'appeared' | 'disappeared' | 'modified' | 'moved' | 'unknown' | 'errored'
  readonly relativePathComponents: readonly string[]
  readonly relativePathMovedFrom?: readonly string[] | null
}
interface Observer {
  observe(handle: FileSystemDirectoryHandle, options: { recursive: boolean }): Promise<void>
  disconnect(): void
}
type ObserverConstructor = new (callback: (records: readonly ChangeRecord[]) => void) => Observer

function observerConstructor(): ObserverConstructor | undefined {
  const candidate = (globalThis as { FileSystemObserver?: unknown }).FileSystemObserver
  return typeof candidate === 'function' ? (candidate as ObserverConstructor) : undefined
}

/** The engine's own temporary downloads and archive: it wrote them, there is nothing to scan. */
function ours(names: readonly string[]): boolean {
  return names[0] === ARCHIVE_DIR || names.some((name) => name.endsWith(TEMP_SUFFIX))
}

/** Observes `root`, or answers undefined where the browser has no FileSystemObserver. */
export function observeFolder(
  root: FileSystemDirectoryHandle,
  onChange: (path: string) => void,
  log: (message: string) => void,
): FolderWatcher | undefined {
  const Observer = observerConstructor()
  if (!Observer) return undefined
  let observer: Observer | undefined
  let retry: ReturnType<typeof setTimeout> | undefined
  let closed = false
  // Logged once per run of failures: a folder whose permission lapsed fails until it is granted.
  let failing = false

  const onRecords = (records: readonly ChangeRecord[]): void => {
    for (const record of records) {
      if (record.type === 'errored') {
        restart(new Error('the browser stopped observing it'))
        return
      }
      // 'unknown': the browser dropped events; only a look at everything can tell what changed.
      if (record.type === 'unknown') onChange('/')
      for (const names of [record.relativePathComponents, record.relativePathMovedFrom ?? []]) {
        if (names.length > 0 && !ours(names)) onChange(`/${names.join('/')}`)
      }
    }
  }
  const start = async (): Promise<void> => {
    retry = undefined
    if (closed) return
    const starting = new Observer(onRecords)
    observer = starting
    try {
      await starting.observe(root, { recursive: true })
      if (failing) {
        log(`observing ${root.name} for changes again`)
        onChange('/') // what changed while it was not observed
      }
      failing = false
    } catch (err) {
      if (observer === starting) restart(err)
    }
  }
  const restart = (err: unknown): void => {
    observer?.disconnect()
    observer = undefined
    if (closed || retry) return
    if (!failing) {
      log(
        `observing ${root.name} for changes failed (${err instanceof Error ? err.message : String(err)}); the periodic rescan goes on, trying again every ${REOBSERVE_DELAY_MS / 1000} s`,
      )
      // The folder itself may be what changed (deleted, or its permission withdrawn): look.
      onChange('/')
    }
    failing = true
    retry = setTimeout(() => void start(), REOBSERVE_DELAY_MS)
  }
  void start()
  return {
    close() {
      closed = true
      if (retry) clearTimeout(retry)
      observer?.disconnect()
      observer = undefined
    },
  }
}
