/**
 * One daemon per state folder (daemon/state-lock.ts): of two started at the same moment exactly one
 * runs and the other exits before opening anything, saying who holds the folder; a daemon killed
 * with SIGKILL leaves its lock file behind, and that never stops the next start.
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, expect, it } from 'vitest'
import { runCli } from '../cli/run-cli'
import { makeTempDir, removeTemp } from '../engine/peers'
import { eventually, makeDaemon, stopAll } from './daemons'

const BIN = fileURLToPath(new URL('../../bin/clearskies.js', import.meta.url))
const roots: string[] = []

afterAll(async () => {
  await stopAll()
  for (const root of roots.splice(0)) {
    await runCli(['stop', '--state', join(root, 'state')]) // in case a test failed half-way
    await removeTemp(root)
  }
})

interface Foreground {
  readonly pid: number
  stderr: string
  readonly exit: Promise<number | null>
}

/** `clearskies start --foreground` on `state`, straight in a child process (its pid is the daemon's). */
function startForeground(state: string): Foreground {
  const child = spawn(
    process.execPath,
    [BIN, 'start', '--foreground', '--listen', '127.0.0.1:0', '--no-lan', '--state', state],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  const run: Foreground = {
    pid: child.pid ?? 0,
    stderr: '',
    exit: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  }
  child.stderr.setEncoding('utf8').on('data', (d: string) => (run.stderr += d))
  return run
}

const gone = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return false
  } catch {
    return true
  }
}

it(
  'of two daemons started together on one state folder, one runs and the other exits at once saying why',
  { timeout: 120_000 },
  async () => {
    const root = await makeTempDir('state-lock-race')
    roots.push(root)
    const state = join(root, 'state')
    // Round 1 on a new folder; rounds 2 and 3 on the lock file and control socket a daemon
    // killed with SIGKILL left behind, which both starters find and neither may misread.
    for (let round = 1; round <= 3; round++) {
      const pair = [startForeground(state), startForeground(state)] as const
      const loserIndex = await Promise.race(pair.map((d, i) => d.exit.then(() => i)))
      const loser = pair[loserIndex] as Foreground
      const winner = pair[1 - loserIndex] as Foreground
      expect(await loser.exit, loser.stderr).toBe(1)
      // Nothing but the message: it stopped before opening the log (echoed to stderr), the databases or the socket.
      expect(loser.stderr).toBe(
        `clearskies: start: the state folder ${state} is in use by another daemon (pid ${winner.pid}): ` +
          `stop it first (\`clearskies stop --state ${state}\`), or give this one another --state\n`,
      )
      await eventually(async () => {
        const status = await runCli(['status', '--state', state, '--json'])
        expect(status.code, status.stderr).toBe(0)
        expect(JSON.parse(status.stdout)).toMatchObject({ pid: winner.pid })
      })
      if (round < 3) {
        process.kill(winner.pid, 'SIGKILL')
        expect(await winner.exit).toBe(null)
      } else {
        expect((await runCli(['stop', '--state', state])).code).toBe(0)
        expect(await winner.exit).toBe(0)
      }
    }
  },
)

it(
  'a daemon killed with SIGKILL leaves its lock behind, and the next start succeeds',
  { timeout: 120_000 },
  async () => {
    const daemon = await makeDaemon('killed')
    const pidFile = join(daemon.state, 'daemon.pid')
    expect(readFileSync(pidFile, 'utf8')).toBe(`${daemon.pid}\n`)
    const killed = daemon.pid
    daemon.kill()
    await eventually(() => expect(gone(killed)).toBe(true))
    // What the kill left: the lock file, the pid file naming a dead process, the socket file.
    expect(existsSync(join(daemon.state, 'daemon.lock'))).toBe(true)
    expect(readFileSync(pidFile, 'utf8')).toBe(`${killed}\n`)
    expect(existsSync(join(daemon.state, 'control'))).toBe(true)

    await daemon.start()
    expect(daemon.pid).not.toBe(killed)
    expect(readFileSync(pidFile, 'utf8')).toBe(`${daemon.pid}\n`)
    expect(await daemon.json('status')).toMatchObject({ pid: daemon.pid })
  },
)
