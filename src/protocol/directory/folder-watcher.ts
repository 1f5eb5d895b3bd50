/**
 * directory.md, "File Change Notification": what a platform offers for a share's folder. A
 * notification only makes a scan come sooner (the engine debounces them, scan-timing.ts); the
 * periodic rescan still catches whatever a watcher misses, and is all there is without one.
 */
export interface FolderWatcher {
  close(): void
}
