/**
 * `clearskies share PATH`: shares the folder (if it is not shared yet) and prints a fresh access
 * code for it. One-time codes work once within 24 hours; `--multi-use` codes work until they expire.
 */
import { resolve } from 'node:path'
import { CliError } from '../cli-error'
import { output, parseCommand, withDaemon, type CommandSpec } from '../daemon-client'

const SPEC: CommandSpec = {
  name: 'share',
  usage: `PATH [--mode read_write|read_only] [--multi-use] [--expires 24h]
  share the folder at PATH and print a new access code for it
  --mode       what the code grants (default read_write)
  --multi-use  the code works any number of times until it expires (default: once, within 24 h)
  --expires    how long a multi-use code works: 90s, 30m, 24h, 7d (default 24h)`,
  options: {
    mode: { type: 'string', default: 'read_write' },
    'multi-use': { type: 'boolean' },
    expires: { type: 'string' },
  },
  positionals: [1, 1],
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 }

export function parseDuration(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim())
  const seconds = match ? Number(match[1]) * (UNIT_SECONDS[match[2] || 's'] ?? 1) : NaN
  if (!Number.isSafeInteger(seconds) || seconds < 1)
    throw new CliError(`share: --expires takes a duration like 90s, 30m, 24h or 7d, got '${text}'`, 2)
  return seconds
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand(SPEC, args)
  if (!parsed) return 0
  const path = resolve(parsed.positionals[0] as string)
  const mode = parsed.values.mode
  if (mode !== 'read_write' && mode !== 'read_only')
    throw new CliError(`share: --mode must be read_write or read_only, got '${String(mode)}'`, 2)
  const multiUse = parsed.values['multi-use'] === true
  const expires = typeof parsed.values.expires === 'string' ? parseDuration(parsed.values.expires) : undefined
  if (expires !== undefined && !multiUse)
    throw new CliError('share: --expires needs --multi-use (a one-time code works once, within 24 hours)', 2)
  const answer = await withDaemon(parsed.stateDir, async (client) => {
    await client.request({ type: 'create_share', path })
    return client.request({
      type: 'create_access_code',
      path,
      mode,
      multi_use: multiUse,
      ...(expires === undefined ? {} : { expires }),
    })
  })
  const code = String(answer.access_code)
  output(parsed, { path, ...answer }, () =>
    [
      `Sharing ${path}.`,
      `Access code (${mode}, ${multiUse ? 'works any number of times' : 'works once'} until ${String(answer.expires_at)}):`,
      '',
      `  ${code}`,
      '',
      `On the other computer: clearskies attach ${code} FOLDER`,
    ].join('\n'),
  )
  return 0
}
