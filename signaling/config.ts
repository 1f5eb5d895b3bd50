/**
 * Every setting of the signaling server, each settable by a command-line flag and by an
 * environment variable (the flag wins), with its default and its unit in the name. One table,
 * so the parser, the --help text and docs/protocol-notes/tracker.md cannot drift apart.
 */
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { BRIDGE_TOKEN_ENV, BRIDGE_TOKEN_FILE_ENV, BridgeTokenError, readBridgeToken } from './bridge-token'
import { LOG_LEVELS, type LogLevel } from './log'

export class ConfigError extends Error {
  readonly code = 'ERR_SIGNALING_CONFIG'
}

type Parser<T> = (text: string, flag: string) => T

const integer =
  (min: number, max: number): Parser<number> =>
  (text, flag) => {
    const value = Number(text)
    if (!/^\d+$/.test(text) || value < min || value > max)
      throw new ConfigError(
        `--${flag} must be an integer within [${min}, ${max}], got ${JSON.stringify(text)}`,
      )
    return value
  }
const text: Parser<string> = (value) => value
const optionalText: Parser<string | undefined> = (value) => (value === '' ? undefined : value)
const flagBoolean: Parser<boolean> = (value, flag) => {
  if (value === 'true' || value === '1') return true
  if (value === 'false' || value === '0' || value === '') return false
  throw new ConfigError(`--${flag} must be true or false, got ${JSON.stringify(value)}`)
}
const logLevel: Parser<LogLevel> = (value, flag) => {
  if (!(LOG_LEVELS as readonly string[]).includes(value))
    throw new ConfigError(`--${flag} must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(value)}`)
  return value as LogLevel
}

const PORT = integer(0, 65_535)
const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../dist', import.meta.url))

interface Setting<T> {
  env: string
  default: string
  parse: Parser<T>
  help: string
  boolean?: true
}

const setting = <T>(s: Setting<T>): Setting<T> => s

export const SETTINGS = {
  host: setting({
    env: 'SIGNALING_HOST',
    default: '127.0.0.1',
    parse: text,
    help: 'address to listen on (HTTP, WebSocket and TCP)',
  }),
  port: setting({
    env: 'SIGNALING_PORT',
    default: '8080',
    parse: PORT,
    help: 'HTTP and WebSocket port (0: any free port)',
  }),
  'tcp-port': setting({
    env: 'SIGNALING_TCP_PORT',
    default: '49200',
    parse: PORT,
    help: 'tracker over raw TCP (core.md: 49200)',
  }),
  redis: setting({
    env: 'REDIS_URL',
    default: '',
    parse: optionalText,
    help: 'share state with other instances through this Redis (redis://host:port)',
  }),
  static: setting({
    env: 'SIGNALING_STATIC_DIR',
    default: DEFAULT_STATIC_DIR,
    parse: text,
    help: 'the built app to serve',
  }),
  'min-ttl-s': setting({
    env: 'SIGNALING_MIN_TTL_S',
    default: '60',
    parse: integer(1, 86_400),
    help: 'shortest TTL a client may choose, seconds',
  }),
  'max-ttl-s': setting({
    env: 'SIGNALING_MAX_TTL_S',
    default: '3600',
    parse: integer(1, 86_400),
    help: 'longest TTL a client may choose, seconds',
  }),
  'start-timeout-ms': setting({
    env: 'SIGNALING_START_TIMEOUT_MS',
    default: '10000',
    parse: integer(1, 600_000),
    help: 'time a client has to send tracker.start',
  }),
  'max-message-bytes': setting({
    env: 'SIGNALING_MAX_MESSAGE_BYTES',
    default: '65536',
    parse: integer(256, 16 * 1024 * 1024),
    help: 'largest message body accepted',
  }),
  'rate-per-s': setting({
    env: 'SIGNALING_RATE_PER_S',
    default: '20',
    parse: integer(1, 1_000_000),
    help: 'messages per second per connection, sustained',
  }),
  'rate-burst': setting({
    env: 'SIGNALING_RATE_BURST',
    default: '60',
    parse: integer(1, 1_000_000),
    help: 'messages per connection allowed in a burst',
  }),
  'max-ids': setting({
    env: 'SIGNALING_MAX_IDS',
    default: '32',
    parse: integer(1, 256),
    help: 'IDs one connection may register',
  }),
  'max-peers': setting({
    env: 'SIGNALING_MAX_PEERS',
    default: '100',
    // 200 peers with the most addresses allowed (17 of 256 characters) stay under the clients'
    // 1 MiB message bound (CLIENT_MAX_MESSAGE_BYTES).
    parse: integer(1, 200),
    help: 'peers listed per tracker.peers message',
  }),
  'max-connections': setting({
    env: 'SIGNALING_MAX_CONNECTIONS',
    default: '20000',
    parse: integer(1, 1_000_000),
    help: 'open tracker connections in this instance',
  }),
  'max-connections-per-address': setting({
    env: 'SIGNALING_MAX_CONNECTIONS_PER_ADDRESS',
    default: '32',
    parse: integer(1, 1_000_000),
    help: 'open tracker connections per remote address',
  }),
  'max-buffered-bytes': setting({
    env: 'SIGNALING_MAX_BUFFERED_BYTES',
    default: '1048576',
    parse: integer(1024, 1024 * 1024 * 1024),
    help: 'unsent bytes to one client before it is dropped as too slow',
  }),
  'trust-proxy': setting({
    env: 'SIGNALING_TRUST_PROXY',
    default: 'false',
    parse: flagBoolean,
    help: "take WebSocket clients' address from the last X-Forwarded-For entry (behind one proxy that appends it)",
    boolean: true,
  }),
  'bridge-token-file': setting({
    env: BRIDGE_TOKEN_FILE_ENV,
    default: '',
    parse: optionalText,
    help: `file holding the token the bridge must present to announce itself (or the token itself in $${BRIDGE_TOKEN_ENV}); none: no bridge is accepted`,
  }),
  'shutdown-timeout-ms': setting({
    env: 'SIGNALING_SHUTDOWN_TIMEOUT_MS',
    default: '5000',
    parse: integer(0, 600_000),
    help: 'grace period for connections on SIGINT/SIGTERM',
  }),
  'log-level': setting({
    env: 'SIGNALING_LOG_LEVEL',
    default: 'info',
    parse: logLevel,
    help: LOG_LEVELS.join(' | '),
  }),
}

type Settings = typeof SETTINGS
export type SignalingConfig = {
  [K in keyof Settings]: Settings[K] extends Setting<infer T> ? T : never
} & {
  /** From the token file or $CLEARSKIES_BRIDGE_TOKEN; undefined: no connection may announce `bridge:`. */
  readonly bridgeToken: string | undefined
}

/** Flags override the environment, which overrides the defaults; every value is checked here. */
export function parseSignalingConfig(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): SignalingConfig {
  const options = Object.fromEntries(
    Object.entries(SETTINGS).map(([flag, s]) => [
      flag,
      { type: s.boolean ? ('boolean' as const) : ('string' as const) },
    ]),
  )
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values as Record<
      string,
      string | boolean | undefined
    >
  } catch (err) {
    throw new ConfigError(err instanceof Error ? err.message : String(err))
  }
  const config: Record<string, unknown> = {}
  for (const [flag, s] of Object.entries(SETTINGS) as Array<[string, Setting<unknown>]>) {
    const given = values[flag]
    const raw = given === undefined ? (env[s.env] ?? s.default) : String(given)
    config[flag] = s.parse(raw, flag)
  }
  try {
    config.bridgeToken = readBridgeToken(config['bridge-token-file'] as string | undefined, env)
  } catch (err) {
    if (err instanceof BridgeTokenError) throw new ConfigError(err.message)
    throw err
  }
  const parsed = config as SignalingConfig
  if (parsed['min-ttl-s'] > parsed['max-ttl-s'])
    throw new ConfigError(`--min-ttl-s ${parsed['min-ttl-s']} exceeds --max-ttl-s ${parsed['max-ttl-s']}`)
  return parsed
}

export function signalingUsage(): string {
  const rows = Object.entries(SETTINGS).map(
    ([flag, s]) => `  --${flag.padEnd(30)} ${s.help} [${s.env}, default ${JSON.stringify(s.default)}]`,
  )
  return [
    'usage: clearskies signaling [OPTIONS]',
    '',
    'Serves the app, the tracker over WebSocket (/tracker) and over TCP.',
    '',
    ...rows,
  ].join('\n')
}
