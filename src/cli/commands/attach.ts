/**
 * `clearskies attach CODE PATH`: joins the share an access code was made for, into the folder at
 * PATH. Waits (by default up to 30 s) until the code's creator has sent the keys, so a code that
 * was used, expired or mistyped is reported here rather than left pending.
 */
import { resolve } from 'node:path'
import { parseTcpAddress } from '../../protocol/tracker/addresses'
import { isJsonObject, type JsonObject } from '../../protocol/wire/json-value'
import { CliError } from '../cli-error'
import { output, parseCommand, withDaemon, type CommandSpec } from '../daemon-client'

const SPEC: CommandSpec = {
  name: 'attach',
  usage: `CODE PATH [--peer tcp:HOST:PORT]... [--wait SECONDS]
  join the share CODE was made for; its files go to the folder PATH
  --peer  where the code's creator listens (else the tracker and LAN find it)
  --wait  how long to wait for the creator before leaving the daemon to keep trying (default 30)`,
  options: { peer: { type: 'string', multiple: true }, wait: { type: 'string', default: '30' } },
  positionals: [2, 2],
}

const POLL_MS = 200

type Outcome = { joined: true } | { joined: false; error?: JsonObject }

function outcome(shares: JsonObject, path: string): Outcome {
  const entry = shares[path]
  if (!isJsonObject(entry)) return { joined: false }
  if (entry.state !== 'joining') return { joined: true }
  return isJsonObject(entry.join_error) ? { joined: false, error: entry.join_error } : { joined: false }
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand(SPEC, args)
  if (!parsed) return 0
  const [code, folder] = parsed.positionals as [string, string]
  const path = resolve(folder)
  const peers = (parsed.values.peer as string[] | undefined) ?? []
  for (const peer of peers) {
    try {
      parseTcpAddress(peer)
    } catch (err) {
      throw new CliError(`attach: ${(err as Error).message}`, 2)
    }
  }
  const waitS = Number(parsed.values.wait)
  if (!Number.isFinite(waitS) || waitS < 0)
    throw new CliError(`attach: --wait takes a number of seconds, got '${String(parsed.values.wait)}'`, 2)

  const result = await withDaemon(parsed.stateDir, async (client) => {
    await client.request({ type: 'add_share', code, path, peers })
    const deadline = Date.now() + waitS * 1000
    for (;;) {
      const state = outcome((await client.request({ type: 'list_shares' })).shares as JsonObject, path)
      if (state.joined) return state
      if (state.error?.kind === 'refused') {
        // The code will never work: leave nothing pending, so the same folder can take a new code.
        await client.request({ type: 'remove_share', path })
        throw new CliError(
          `attach: ${String(state.error.address)} refused this access code: it was already used, has expired or was cancelled, or it was not made there. Ask for a new code.`,
        )
      }
      if (Date.now() >= deadline) return state
      await new Promise((r) => setTimeout(r, POLL_MS))
    }
  })
  output(
    parsed,
    { path, joined: result.joined, ...(result.joined || !result.error ? {} : { last_error: result.error }) },
    () => {
      if (result.joined) return `Joined: the share's files are arriving in ${path}.`
      const last = result.error
        ? ` (last attempt: ${String(result.error.address)}: ${String(result.error.reason)})`
        : ''
      return `Still looking for the code's creator${last}. The daemon keeps trying; \`clearskies list\` shows when ${path} has joined.`
    },
  )
  return 0
}
