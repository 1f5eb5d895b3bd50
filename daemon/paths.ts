/**
 * Where a daemon keeps its state, and the files in it. The CLI uses the same functions to find the
 * daemon it talks to, so the two can never disagree.
 */
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

/** `--state DIR`, else control.md's `$XDG_DATA_HOME/clearskies` (XDG's default: ~/.local/share). */
export function stateDirFrom(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag !== undefined) return resolve(flag)
  const dataHome =
    env.XDG_DATA_HOME && env.XDG_DATA_HOME !== '' ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share')
  return join(dataHome, 'clearskies')
}

export const controlSocketPath = (stateDir: string): string => join(stateDir, 'control')
export const logPath = (stateDir: string): string => join(stateDir, 'daemon.log')
/** Held by the running daemon (state-lock.ts); the pid file says which process that is. */
export const lockPath = (stateDir: string): string => join(stateDir, 'daemon.lock')
export const pidPath = (stateDir: string): string => join(stateDir, 'daemon.pid')
