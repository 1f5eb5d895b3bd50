/** `clearskies status`: control.md's status (paused, tracking, rates) and where the daemon listens. */
import { ask, output, parseCommand, type CommandSpec } from '../daemon-client'

const SPEC: CommandSpec = { name: 'status', usage: '', positionals: [0, 0] }

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand(SPEC, args)
  if (!parsed) return 0
  const s = await ask(parsed.stateDir, { type: 'status' })
  output(parsed, s, () =>
    [
      `daemon:    running (pid ${String(s.pid)}), state ${String(s.state)}`,
      `syncing:   ${s.paused === true ? 'paused' : 'on'}`,
      `peers at:  ${String(s.listen)}${Array.isArray(s.addresses) && s.addresses.length > 0 ? ` (reachable as ${s.addresses.join(', ')})` : ''}`,
      `tracker:   ${s.tracking === true ? 'connected' : 'not connected'}`,
      `shares:    ${String(s.shares)}`,
      `transfer:  up ${String(s.upload_rate)} B/s, down ${String(s.download_rate)} B/s`,
      ...(Array.isArray(s.overlaps) ? s.overlaps : []).map((message) => `warning:   ${String(message)}`),
    ].join('\n'),
  )
  return 0
}
