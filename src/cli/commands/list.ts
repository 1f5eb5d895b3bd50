/** `clearskies list`: every share with its state, file count and connected peers (control.md's list_shares). */
import { isJsonObject, type JsonObject } from '../../protocol/wire/json-value'
import { ask, output, parseCommand, table, type CommandSpec } from '../daemon-client'

const SPEC: CommandSpec = {
  name: 'list',
  usage: '\n  every share: state, files, peers, access',
  positionals: [0, 0],
}

function describe(share: JsonObject): string {
  if (share.state === 'joining' && isJsonObject(share.join_error))
    return `joining (${String(share.join_error.kind)}: ${String(share.join_error.reason)})`
  if (share.state === 'syncing') return `syncing (${String(share.files_remaining)} files left)`
  if (share.state === 'error') return `error: ${String(share.error)}`
  return String(share.state)
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand(SPEC, args)
  if (!parsed) return 0
  const { shares } = await ask(parsed.stateDir, { type: 'list_shares' })
  const entries = isJsonObject(shares)
    ? Object.entries(shares).filter((e): e is [string, JsonObject] => isJsonObject(e[1]))
    : []
  output(parsed, { shares: shares ?? {} }, () => {
    if (entries.length === 0)
      return 'No shares yet: `clearskies share PATH` or `clearskies attach CODE PATH`.'
    const rows = entries.map(([path, s]) => [
      path,
      String(s.access_level ?? '-'),
      String(s.files),
      String(s.peers),
      describe(s),
    ])
    // Each overlap is on both of its shares' entries; said once, below the table it would break.
    const overlaps = new Set(entries.flatMap(([, s]) => (Array.isArray(s.overlaps) ? s.overlaps : [])))
    const shown = table(['PATH', 'ACCESS', 'FILES', 'PEERS', 'STATE'], rows)
    if (overlaps.size === 0) return shown
    return `${shown}\n\n${[...overlaps].map((message) => `warning: ${String(message)}`).join('\n')}`
  })
  return 0
}
