/**
 * What every daemon command shares: its options (`--state`, `--json`, `--help`), the connection to
 * the daemon's control socket (the only way any command talks to the daemon), the messages people
 * see when the daemon is not running, and printing text or JSON.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { controlSocketPath, stateDirFrom } from '../../daemon/paths'
import { connectUnix } from '../platform/node/unix-socket'
import { ControlClient, ControlClientError } from '../protocol/control/session'
import { stringifyJson } from '../protocol/wire/json'
import type { JsonObject, JsonValue } from '../protocol/wire/json-value'
import { CliError } from './cli-error'

type Options = NonNullable<ParseArgsConfig['options']>

export const STATE_OPTION = { state: { type: 'string' } } as const satisfies Options

export interface CommandSpec {
  readonly name: string
  /** The usage lines after `usage: clearskies NAME`. */
  readonly usage: string
  readonly options?: Options
  readonly positionals: readonly [min: number, max: number]
}

export interface ParsedCommand {
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>
  readonly positionals: readonly string[]
  readonly json: boolean
  readonly stateDir: string
}

export function usageOf(spec: CommandSpec): string {
  return `usage: clearskies ${spec.name} ${spec.usage}\n  common options: --state DIR (default $XDG_DATA_HOME/clearskies), --json`
}

/** Parses the arguments, or undefined when --help was asked for (the usage is printed). */
export function parseCommand(spec: CommandSpec, args: string[]): ParsedCommand | undefined {
  let parsed
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        ...STATE_OPTION,
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        ...spec.options,
      },
    })
  } catch (err) {
    throw new CliError(
      `${spec.name}: ${err instanceof Error ? err.message : String(err)}\n\n${usageOf(spec)}`,
      2,
    )
  }
  if (parsed.values.help) {
    console.log(usageOf(spec))
    return undefined
  }
  const [min, max] = spec.positionals
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    throw new CliError(
      `${spec.name}: expected ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? '' : 's'}, got ${parsed.positionals.length}\n\n${usageOf(spec)}`,
      2,
    )
  }
  const state = parsed.values.state
  return {
    values: parsed.values,
    positionals: parsed.positionals,
    json: parsed.values.json === true,
    stateDir: stateDirFrom(typeof state === 'string' ? state : undefined, process.env),
  }
}

/** Connects to the daemon of `stateDir`, runs `use`, and closes. */
export async function withDaemon<T>(
  stateDir: string,
  use: (client: ControlClient) => Promise<T>,
): Promise<T> {
  let stream
  try {
    stream = await connectUnix(controlSocketPath(stateDir))
  } catch {
    throw new CliError(
      `the daemon is not running (state folder ${stateDir}): start it with \`clearskies start\``,
    )
  }
  let client
  try {
    client = await ControlClient.connect(stream)
  } catch (err) {
    throw new CliError(
      `the daemon's control socket did not answer (${err instanceof Error ? err.message : String(err)}); its log is in ${stateDir}`,
    )
  }
  try {
    return await use(client)
  } catch (err) {
    if (err instanceof ControlClientError) throw new CliError(err.message)
    throw err
  } finally {
    client.close()
  }
}

/** Sends one command to the daemon and returns its answer. */
export function ask(stateDir: string, command: JsonObject): Promise<JsonObject> {
  return withDaemon(stateDir, (client) => client.request(command))
}

/** Prints `value` as one JSON line with --json, else the text. */
export function output(parsed: ParsedCommand, value: JsonValue, text: () => string): void {
  console.log(parsed.json ? stringifyJson(value) : text())
}

/** A column table for people: the header, then one row per item, padded to line up. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')
  return [line(header), ...rows.map(line)].join('\n')
}

/** A command that sends one request built from its arguments and prints a sentence on success. */
export function oneRequest(
  spec: CommandSpec,
  request: (parsed: ParsedCommand) => JsonObject,
  text: (parsed: ParsedCommand) => string,
): (args: string[]) => Promise<number> {
  return async (args) => {
    const parsed = parseCommand(spec, args)
    if (!parsed) return 0
    output(parsed, await ask(parsed.stateDir, request(parsed)), () => text(parsed))
    return 0
  }
}
