/** `clearskies peers [SHARE]`: connected peers and known addresses of each share. */
import { resolve } from 'node:path'
import { EXT } from '../../protocol/control/commands'
import { isJsonObject } from '../../protocol/wire/json-value'
import { ask, output, parseCommand, table, type CommandSpec } from '../daemon-client'

const SPEC: CommandSpec = {
  name: 'peers',
  usage: '[SHARE]\n  the peers each share (or SHARE) is connected to, and the addresses known for it',
  positionals: [0, 1],
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand(SPEC, args)
  if (!parsed) return 0
  const share = parsed.positionals[0]
  const answer = await ask(parsed.stateDir, {
    type: `${EXT}.list_peers`,
    ...(share === undefined ? {} : { path: resolve(share) }),
  })
  output(parsed, answer, () => {
    const blocks: string[] = []
    for (const [path, entry] of Object.entries(isJsonObject(answer.shares) ? answer.shares : {})) {
      if (!isJsonObject(entry)) continue
      const connected = Array.isArray(entry.connected) ? entry.connected.filter(isJsonObject) : []
      const rows = connected.map((p) => [
        String(p.peer_id),
        String(p.name ?? ''),
        String(p.access_level),
        String(p.connected_since),
        String(p.software),
      ])
      const addresses =
        Array.isArray(entry.addresses) && entry.addresses.length > 0 ? entry.addresses.join(' ') : 'none'
      blocks.push(
        `${path}\n${rows.length === 0 ? 'no peer connected' : table(['PEER', 'NAME', 'ACCESS', 'SINCE', 'SOFTWARE'], rows)}\nknown addresses: ${addresses}`,
      )
    }
    return blocks.length === 0 ? 'No shares.' : blocks.join('\n\n')
  })
  return 0
}
