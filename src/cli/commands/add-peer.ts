/** `clearskies add-peer SHARE tcp:HOST:PORT`: a peer address to dial for a share, kept and retried. */
import { resolve } from 'node:path'
import { parseTcpAddress } from '../../protocol/tracker/addresses'
import { CliError } from '../cli-error'
import { ask, output, parseCommand, type CommandSpec } from '../daemon-client'
import { EXT } from '../../protocol/control/commands'

const SPEC: CommandSpec = {
  name: 'add-peer',
  usage: 'SHARE tcp:HOST:PORT\n  dial this address for the share at SHARE, now and whenever not connected',
  positionals: [2, 2],
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand(SPEC, args)
  if (!parsed) return 0
  const [share, address] = parsed.positionals as [string, string]
  try {
    parseTcpAddress(address)
  } catch (err) {
    throw new CliError(`add-peer: ${(err as Error).message}`, 2)
  }
  const path = resolve(share)
  output(
    parsed,
    await ask(parsed.stateDir, { type: `${EXT}.add_peer`, path, address }),
    () => `Added ${address} for ${path}.`,
  )
  return 0
}
