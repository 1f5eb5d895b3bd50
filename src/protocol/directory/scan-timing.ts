/**
 * When to look at the disk: debouncing change notifications, and spacing full rescans. Both are
 * pure state over a millisecond clock the driver passes in; the driver owns the timers.
 */

/** directory.md, "File Change Notification": "wait a small period of time (a second or two)". */
export const DEFAULT_QUIET_MS = 2_000
/**
 * "If it is changed during the interval, the software should wait still longer", and "debounce
 * file changes so that it can stop syncing a file that is changing too frequently": a file that
 * never stops changing (a log) is still synced, but at most once per this long.
 */
export const DEFAULT_MAX_WAIT_MS = 5 * 60_000

/** directory.md, "Computer Resources": "scans may be done every ten minutes". */
export const DEFAULT_RESCAN_INTERVAL_MS = 10 * 60_000
/** "... unless it takes more than a minute ..., in which case the scan won't be run until ten times the time it took". */
export const RESCAN_DURATION_FACTOR = 10

/** Per-path debouncing: a path is due once it has been quiet for `quietMs`, or waited `maxWaitMs`. */
export class Debouncer {
  private readonly pending = new Map<string, { first: number; last: number }>()

  constructor(
    readonly quietMs = DEFAULT_QUIET_MS,
    readonly maxWaitMs = DEFAULT_MAX_WAIT_MS,
  ) {}

  /** A change was seen at `path` (a file, or a folder to rescan). */
  touch(path: string, nowMs: number): void {
    const seen = this.pending.get(path)
    this.pending.set(path, { first: seen?.first ?? nowMs, last: nowMs })
  }

  private dueAt(times: { first: number; last: number }): number {
    return Math.min(times.last + this.quietMs, times.first + this.maxWaitMs)
  }

  /** The paths whose wait is over, removed from the pending set. */
  due(nowMs: number): string[] {
    const ready: string[] = []
    for (const [path, times] of this.pending) {
      if (this.dueAt(times) <= nowMs) ready.push(path)
    }
    for (const path of ready) this.pending.delete(path)
    return ready
  }

  /** When the driver should call `due` next; undefined when nothing waits. */
  nextDueAt(): number | undefined {
    let next: number | undefined
    for (const times of this.pending.values()) next = Math.min(next ?? Infinity, this.dueAt(times))
    return next
  }

  get size(): number {
    return this.pending.size
  }
}

/** The pause after a scan: the interval, or ten times the scan's duration if that is longer (< 10% load). */
export function rescanDelayMs(lastScanMs: number, intervalMs = DEFAULT_RESCAN_INTERVAL_MS): number {
  return Math.max(intervalMs, RESCAN_DURATION_FACTOR * lastScanMs)
}

export class RescanScheduler {
  private startedAt: number | undefined
  private nextAt: number

  constructor(
    nowMs: number,
    readonly intervalMs = DEFAULT_RESCAN_INTERVAL_MS,
  ) {
    this.nextAt = nowMs
  }

  /** When the next full scan should start. */
  get nextScanAt(): number {
    return this.nextAt
  }

  started(nowMs: number): void {
    this.startedAt = nowMs
  }

  /** Records the scan's end (success or failure alike: a failed scan costs time too). */
  finished(nowMs: number): number {
    const duration = nowMs - (this.startedAt ?? nowMs)
    this.startedAt = undefined
    this.nextAt = nowMs + rescanDelayMs(duration, this.intervalMs)
    return this.nextAt
  }
}
