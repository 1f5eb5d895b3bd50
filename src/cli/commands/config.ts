/**
 * `clearskies config get [KEY]` and `config set KEY VALUE`: the daemon's stored settings
 * (control.md's get_config, get_config_value, set_config_value). VALUE is read as JSON when it
 * is JSON (numbers, true/false), else taken as a string; for the text settings (tracker, listen,
 * name) it is always the text typed.
 */
import { parseJson } from '../../protocol/wire/json'
import type { JsonValue } from '../../protocol/wire/json-value'
import { stringifyJson } from '../../protocol/wire/json'
import { CliError } from '../cli-error'
import { ask, output, parseCommand, usageOf, type CommandSpec } from '../daemon-client'

const SPEC: CommandSpec = {
  name: 'config',
  usage: `get [KEY] | set KEY VALUE
  keys: upload_limit, download_limit (bytes/s, 0 = none), tracker (HOST:PORT or ''), lan (true|false),
        listen (HOST:PORT), name; limits apply at once, the others at the daemon's next start`,
  positionals: [1, 3],
}

/** Settings whose value is text: a device named 2024 is named "2024", not the number. */
const TEXT_KEYS: ReadonlySet<string> = new Set(['tracker', 'listen', 'name'])

function valueOf(key: string, text: string): JsonValue {
  if (TEXT_KEYS.has(key)) return text
  try {
    return parseJson(text)
  } catch {
    return text
  }
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand(SPEC, args)
  if (!parsed) return 0
  const [sub, key, value] = parsed.positionals
  if (sub === 'get' && value === undefined) {
    if (key === undefined) {
      const { config } = await ask(parsed.stateDir, { type: 'get_config' })
      output(parsed, { config: config ?? {} }, () =>
        Object.entries((config ?? {}) as Record<string, JsonValue>)
          .map(([k, v]) => `${k} = ${stringifyJson(v)}`)
          .join('\n'),
      )
    } else {
      const answer = await ask(parsed.stateDir, { type: 'get_config_value', key })
      output(parsed, answer, () => stringifyJson(answer.value ?? null))
    }
    return 0
  }
  if (sub === 'set' && key !== undefined && value !== undefined) {
    const answer = await ask(parsed.stateDir, { type: 'set_config_value', key, value: valueOf(key, value) })
    const when = key.endsWith('_limit') ? 'now' : 'when the daemon next starts'
    output(parsed, answer, () => `${key} = ${stringifyJson(valueOf(key, value))} (applies ${when})`)
    return 0
  }
  throw new CliError(`config: expected 'get [KEY]' or 'set KEY VALUE'\n\n${usageOf(SPEC)}`, 2)
}
