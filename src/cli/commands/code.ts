/**
 * `clearskies code`: make a fresh access code, or check one and show what it stands for (access ID,
 * SRP credentials). A debugging tool for implementers of other peers; the daemon's share commands
 * come later.
 */
import { parseArgs } from 'node:util'
import {
  AccessError,
  AccessLevel,
  accessCodeCredentials,
  accessCodeUrl,
  generateAccessCode,
  parseAccessCode,
} from '../../protocol/access'
import { CliError } from '../cli-error'

const USAGE = `usage:
  clearskies code new [--mode read_write|read_only] [--json]
      print a fresh access code (with --json: also its URL, access ID and SRP username)
  clearskies code inspect CODE
      check a code (spaces, dashes, lower case and clearskies:// or https://…#CODE links are fine)
      and print one JSON object: valid, code, access_id, srp_username, srp_password`

const MODES: readonly string[] = Object.values(AccessLevel)

export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args
  if (sub === 'new') return codeNew(rest)
  if (sub === 'inspect') return codeInspect(rest)
  if (sub === undefined || sub === '--help' || sub === '-h') {
    console.log(USAGE)
    return sub === undefined ? 2 : 0
  }
  throw new CliError(`code: unknown subcommand '${sub}'\n\n${USAGE}`, 2)
}

async function codeNew(args: string[]): Promise<number> {
  const { values } = parseOrExplain(() =>
    parseArgs({
      args,
      options: {
        mode: { type: 'string', default: AccessLevel.ReadWrite },
        json: { type: 'boolean', default: false },
      },
    }),
  )
  const mode = values.mode
  if (!MODES.includes(mode))
    throw new CliError(`code new: --mode must be one of ${MODES.join(', ')}, got '${mode}'`, 2)
  const code = generateAccessCode()
  if (!values.json) {
    console.log(code.text)
    return 0
  }
  const { accessId, srpUsername } = await accessCodeCredentials(code)
  console.log(
    JSON.stringify({
      code: code.text,
      access_level: mode,
      url: accessCodeUrl(code),
      access_id: accessId,
      srp_username: srpUsername,
    }),
  )
  return 0
}

async function codeInspect(args: string[]): Promise<number> {
  const { positionals } = parseOrExplain(() => parseArgs({ args, allowPositionals: true }))
  // The code may come as several arguments when pasted with spaces and not quoted.
  const input = positionals.join(' ')
  if (input.trim() === '') throw new CliError(`code inspect: give the code to check\n\n${USAGE}`, 2)
  let code
  try {
    code = parseAccessCode(input)
  } catch (err) {
    if (!(err instanceof AccessError)) throw err
    console.log(JSON.stringify({ valid: false, error_code: err.code, error: err.message }))
    throw new CliError(`code inspect: ${err.message}`)
  }
  const { accessId, srpUsername, srpPassword } = await accessCodeCredentials(code)
  console.log(
    JSON.stringify({
      valid: true,
      code: code.text,
      access_id: accessId,
      srp_username: srpUsername,
      srp_password: srpPassword,
    }),
  )
  return 0
}

/** parseArgs's own messages ("Unknown option '--x'") are clear; they get the usage added. */
function parseOrExplain<T>(parse: () => T): T {
  try {
    return parse()
  } catch (err) {
    throw new CliError(`code: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`, 2)
  }
}
