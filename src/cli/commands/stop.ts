/** `clearskies stop`: asks the daemon to shut down (control.md's stop) and waits until it has. */
import { controlSocketPath } from '../../../daemon/paths'
import { socketAnswers } from '../../platform/node/unix-socket'
import { CliError } from '../cli-error'
import { ask, output, parseCommand, type CommandSpec } from '../daemon-client'

const SPEC: CommandSpec = {
  name: 'stop',
  usage: '\n  stop the daemon (it finishes writing, then exits)',
  positionals: [0, 0],
}
const STOP_TIMEOUT_MS = 30_000
const POLL_MS = 100

function alive(pid: unknown): boolean {
  if (typeof pid !== 'number') return false
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand(SPEC, args)
  if (!parsed) return 0
  const { pid } = await ask(parsed.stateDir, { type: 'status' })
  await ask(parsed.stateDir, { type: 'stop' })
  const deadline = Date.now() + STOP_TIMEOUT_MS
  // The control socket closes first; the process is gone once everything is written.
  while ((await socketAnswers(controlSocketPath(parsed.stateDir))) || alive(pid)) {
    if (Date.now() > deadline)
      throw new CliError(
        `stop: the daemon (pid ${String(pid)}) is still running after ${STOP_TIMEOUT_MS / 1000} s`,
      )
    await new Promise((r) => setTimeout(r, POLL_MS))
  }
  output(parsed, { stopped: true, pid: pid ?? null }, () => `The daemon (pid ${String(pid)}) has stopped.`)
  return 0
}
