/**
 * `clearskies start`: runs the daemon. In the foreground it runs in this process until SIGINT,
 * SIGTERM or `clearskies stop`; otherwise it starts itself again in the foreground, detached, waits
 * until the control socket answers, and says where it logs.
 */
import { spawn } from 'node:child_process'
import { openSync, closeSync, mkdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { DaemonError, startDaemon } from '../../../daemon/daemon'
import { DAEMON_NODE_FLAGS } from '../../../daemon/node-flags'
import { controlSocketPath, logPath } from '../../../daemon/paths'
import { inUseMessage, stateHolder } from '../../../daemon/state-lock'
import { checkConfig } from '../../engine/control-config'
import { socketAnswers } from '../../platform/node/unix-socket'
import type { JsonObject } from '../../protocol/wire/json-value'
import { CliError } from '../cli-error'
import { ask, output, parseCommand, type CommandSpec, type ParsedCommand } from '../daemon-client'

const SPEC: CommandSpec = {
  name: 'start',
  usage: `[--foreground] [--listen HOST:PORT] [--tracker HOST:PORT] [--no-lan] [--name NAME]
  start the daemon (flags override \`clearskies config\` for this run)
  --foreground  run in this process, logging to stderr too (else detach and return)
  --listen      where peers connect (default 0.0.0.0:49211; port 0 picks one)
  --tracker     the tracker to register with (default: none, or \`config set tracker\`)
  --no-lan      no LAN broadcast discovery (UDP 60106)`,
  options: {
    foreground: { type: 'boolean' },
    listen: { type: 'string' },
    tracker: { type: 'string' },
    'no-lan': { type: 'boolean' },
    name: { type: 'string' },
  },
  positionals: [0, 0],
}

const BIN = fileURLToPath(new URL('../../../bin/clearskies.js', import.meta.url))
/** Set in the detached child: its stderr already goes to the log, so it does not echo there. */
const CHILD_ENV = 'CLEARSKIES_DAEMON_CHILD'
const READY_TIMEOUT_MS = 30_000
const READY_POLL_MS = 100
const LOG_TAIL_LINES = 15

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand(SPEC, args)
  if (!parsed) return 0
  const running = await runningStatus(parsed.stateDir)
  if (running) throw new CliError(`start: ${inUseMessage(parsed.stateDir, Number(running.pid))}`)
  // Checked as \`config set\` checks them, at once rather than in the detached daemon's log: a name
  // too long for a greeting would have every peer refuse us.
  for (const flag of ['listen', 'tracker', 'name'])
    if (typeof parsed.values[flag] === 'string') checkFlag(flag, parsed.values[flag])
  return parsed.values.foreground === true ? foreground(parsed) : detached(parsed, args)
}

function checkFlag(flag: string, value: string): void {
  try {
    checkConfig({ [flag]: value })
  } catch (err) {
    throw new CliError(`start: --${flag}: ${(err as Error).message}`, 2)
  }
}

async function foreground(parsed: ParsedCommand): Promise<number> {
  const { values } = parsed
  const str = (key: string): string | undefined =>
    typeof values[key] === 'string' ? (values[key] as string) : undefined
  const overrides = {
    ...(str('listen') === undefined ? {} : { listen: str('listen') as string }),
    ...(str('tracker') === undefined ? {} : { tracker: str('tracker') as string }),
    ...(str('name') === undefined ? {} : { name: str('name') as string }),
    ...(values['no-lan'] === true ? { lan: false } : {}),
  }
  let daemon
  try {
    daemon = await startDaemon({
      stateDir: parsed.stateDir,
      overrides,
      echoLog: process.env[CHILD_ENV] !== '1',
    })
  } catch (err) {
    if (err instanceof DaemonError) throw new CliError(`start: ${err.message}`)
    throw err
  }
  const stop = (signal: NodeJS.Signals): void => void daemon.stop(`signal ${signal}`)
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  const code = await daemon.stopped.then(
    () => 0,
    (err: unknown) => {
      // All else is closed, the log too: stderr is what is left to say it on (the log file, detached).
      console.error('clearskies: start: the daemon stopped, but not everything closed:', err)
      return 1
    },
  )
  // Everything is written and closed; a timer some library left behind must not keep a stopped
  // daemon alive (and `clearskies stop` waits for the process to be gone).
  process.exit(code)
}

async function detached(parsed: ParsedCommand, args: string[]): Promise<number> {
  mkdirSync(parsed.stateDir, { recursive: true, mode: 0o700 })
  const log = logPath(parsed.stateDir)
  // The child's own stderr goes to the log too, so even a crash before logging starts is there.
  const fd = openSync(log, 'a', 0o600)
  const child = spawn(
    process.execPath,
    [...DAEMON_NODE_FLAGS, BIN, 'start', '--foreground', ...args.filter((a) => a !== '--json')],
    {
      detached: true,
      stdio: ['ignore', 'ignore', fd],
      env: { ...process.env, [CHILD_ENV]: '1' },
    },
  )
  closeSync(fd)
  let exited: number | null | undefined
  child.once('exit', (code) => (exited = code))
  const deadline = Date.now() + READY_TIMEOUT_MS
  // Ready once the socket answers with our child's pid: another `start` at the same moment may have
  // won the state folder, and then ours exits saying so (state-lock.ts) and we say it here.
  let status: JsonObject | undefined
  while ((status = await runningStatus(parsed.stateDir)) === undefined || status.pid !== child.pid) {
    const holder = exited === undefined ? undefined : (status?.pid ?? stateHolder(parsed.stateDir))
    if (holder !== undefined) throw new CliError(`start: ${inUseMessage(parsed.stateDir, Number(holder))}`)
    if (exited !== undefined || Date.now() > deadline) {
      if (exited === undefined) child.kill()
      const tail = readFileSync(log, 'utf8').trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n')
      throw new CliError(
        `start: the daemon did not start${exited === undefined ? ` within ${READY_TIMEOUT_MS / 1000} s` : ''}; the end of ${log}:\n${tail}`,
      )
    }
    await new Promise((r) => setTimeout(r, READY_POLL_MS))
  }
  child.unref()
  output(
    parsed,
    { ...status, log },
    () =>
      `The daemon is running (pid ${String(status.pid)}): peers connect to ${String(status.listen)}; it logs to ${log}.`,
  )
  return 0
}

/** The status of the daemon answering at the control socket, if one does. */
function runningStatus(stateDir: string): Promise<JsonObject | undefined> {
  return socketAnswers(controlSocketPath(stateDir)).then((answers) =>
    answers ? ask(stateDir, { type: 'status' }).catch(() => undefined) : undefined,
  )
}
