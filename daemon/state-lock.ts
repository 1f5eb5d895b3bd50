/**
 * One daemon per state folder. Two engines on one folder would each write the databases as if
 * alone, so the daemon takes `<state>/daemon.lock` before it opens anything else there, and holds
 * it until everything else is closed.
 *
 * The lock is an operating-system file lock, taken through SQLite (fcntl on Linux and macOS,
 * LockFileEx on Windows) on an otherwise empty database: taking it is one atomic step, and the
 * kernel drops it when the process ends, however it ends. A kill -9 leaves the file behind but
 * never the lock, so there is no stale lock to detect or take over, and no pid to trust that may
 * by now belong to another process. The holder's pid is written to `<state>/daemon.pid`, only to
 * tell a second daemon whom it lost to.
 */
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs'
import Database from 'better-sqlite3'
import { lockPath, pidPath } from './paths'

export interface StateLock {
  release(): void
}

/** Thrown when another process holds the folder; the message says which process and what to do. */
export class StateInUseError extends Error {
  readonly code = 'EADDRINUSE'
}

/** How long a loser waits for the winner to write its pid, which it does right after locking. */
const HOLDER_WAIT_MS = 2_000
const HOLDER_POLL_MS = 50

export async function lockStateFolder(stateDir: string): Promise<StateLock> {
  // timeout 0: a held lock is an answer at once, not something to wait out.
  const db = new Database(lockPath(stateDir), { timeout: 0 })
  try {
    db.exec('BEGIN EXCLUSIVE') // never committed: the lock lasts as long as the connection
  } catch (err) {
    db.close()
    if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err
    throw new StateInUseError(inUseMessage(stateDir, await holderPid(stateDir)))
  }
  // Written whole under another name and renamed, so a reader never sees half a pid.
  const temp = `${pidPath(stateDir)}.${process.pid}`
  writeFileSync(temp, `${process.pid}\n`, { mode: 0o600 })
  renameSync(temp, pidPath(stateDir))
  return {
    release() {
      if (!db.open) return
      try {
        unlinkSync(pidPath(stateDir)) // still ours: no one else can have written it while we hold the lock
      } catch {
        // already gone; nothing to tidy
      }
      db.close()
    },
  }
}

/** What a daemon (or `clearskies start`) says when another daemon holds the state folder. */
export const inUseMessage = (stateDir: string, pid: number | undefined): string =>
  `the state folder ${stateDir} is in use by another daemon${pid === undefined ? '' : ` (pid ${pid})`}: ` +
  `stop it first (\`clearskies stop --state ${stateDir}\`), or give this one another --state`

/** The holder's pid; the loser waits a moment for the winner, which writes it right after locking. */
async function holderPid(stateDir: string): Promise<number | undefined> {
  const deadline = Date.now() + HOLDER_WAIT_MS
  let pid: number | undefined
  while ((pid = stateHolder(stateDir)) === undefined && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, HOLDER_POLL_MS))
  return pid
}

/**
 * The process daemon.pid names, if it is alive and not this one: the file outlives a kill -9, and
 * so only says who holds the lock to someone who found the lock held.
 */
export function stateHolder(stateDir: string): number | undefined {
  const pid = readPid(stateDir)
  return pid !== undefined && pid !== process.pid && isAlive(pid) ? pid : undefined
}

function readPid(stateDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidPath(stateDir), 'utf8').trim())
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' // alive, someone else's
  }
}
