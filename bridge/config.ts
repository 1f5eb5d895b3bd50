/**
 * The bridge's settings, from `clearskies bridge` flags. One table feeds the parser and --help.
 */
import { parseArgs } from 'node:util'
import { BRIDGE_TOKEN_ENV, BridgeTokenError, readBridgeToken } from '../signaling/bridge-token'
import { LOG_LEVELS, type LogLevel } from '../signaling/log'
import { parseCidr } from './policy'

export class BridgeConfigError extends Error {
  readonly code = 'ERR_BRIDGE_CONFIG'
}

export interface HostPort {
  readonly host: string
  readonly port: number
}

export interface BridgeConfig {
  /** The signaling server's base URL (`http[s]://…`); its tracker is at `/tracker` over WebSocket. */
  readonly signaling: string
  /** Presented to the signaling server, which lets only its holder announce a `bridge:` address. */
  readonly token: string | null
  /** Where inbound TCP connections are accepted, or null for outbound only. */
  readonly listen: HostPort | null
  /** The host put in the announced `tcp:` address (default: the listen host). */
  readonly publicHost: string | null
  /** The tracker the bridge checks published addresses with (TCP); default: the signaling server's, over WebSocket. */
  readonly tracker: HostPort | null
  readonly allow: readonly string[]
  readonly allowPrivate: readonly string[]
  readonly maxConnectionsPerPeer: number
  readonly bytesPerSecondPerPeer: number
  readonly maxPeers: number
  readonly idleMs: number
  /** The local address ICE binds to (the test namespace's veth address). */
  readonly rtcBind: string | null
  readonly logLevel: LogLevel
}

const OPTIONS = {
  signaling: { type: 'string', help: 'URL of the signaling server (required), e.g. http://127.0.0.1:8080' },
  'bridge-token-file': {
    type: 'string',
    help: `file holding the signaling server's bridge token (or the token itself in $${BRIDGE_TOKEN_ENV}; env CLEARSKIES_BRIDGE_TOKEN_FILE)`,
  },
  listen: { type: 'string', help: 'HOST:PORT to accept TCP peers on, for browsers that ask (default: none)' },
  'public-host': { type: 'string', help: 'host announced in tcp:HOST:PORT (default: the listen host)' },
  tracker: {
    type: 'string',
    help: "HOST:PORT of the TCP tracker to check published addresses with (default: the signaling server's own tracker)",
  },
  allow: {
    type: 'string',
    multiple: true,
    help: 'CIDR the bridge may dial without publication, private ranges included (repeatable)',
  },
  'allow-private': {
    type: 'string',
    multiple: true,
    help: 'loopback/private CIDR the bridge may dial when published (repeatable)',
  },
  'max-connections-per-peer': {
    type: 'string',
    default: '16',
    help: 'relayed connections one browser peer may hold at once',
  },
  'max-bytes-per-s-per-peer': {
    type: 'string',
    default: String(64 * 1024 * 1024),
    help: 'bandwidth one browser peer may use, both ways together (0: unlimited)',
  },
  'max-peers': { type: 'string', default: '256', help: 'browser peers connected at once' },
  'idle-timeout-s': { type: 'string', default: '300', help: 'a relay silent both ways this long is closed' },
  'rtc-bind': {
    type: 'string',
    default: process.env.CLEARSKIES_NETNS_ADDR ?? '',
    help: 'local address for WebRTC (default: any; env CLEARSKIES_NETNS_ADDR)',
  },
  'log-level': { type: 'string', default: 'info', help: LOG_LEVELS.join(', ') },
} as const

export function bridgeUsage(): string {
  const rows = Object.entries(OPTIONS).map(
    ([name, o]) => `  --${name.padEnd(26)} ${o.help}${'default' in o && o.default ? ` [${o.default}]` : ''}`,
  )
  return [
    'usage: clearskies bridge --signaling URL [--listen HOST:PORT] [--tracker HOST:PORT] [--allow CIDR...]',
    '',
    ...rows,
  ].join('\n')
}

function hostPort(text: string, flag: string): HostPort {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text)
  const port = Number(m?.[3])
  if (!m || port > 65535)
    throw new BridgeConfigError(`--${flag} must be HOST:PORT, got ${JSON.stringify(text)}`)
  return { host: m[1] ?? m[2] ?? '', port }
}

function integer(text: string, flag: string, min: number, max: number): number {
  const value = Number(text)
  if (!/^\d+$/.test(text) || value < min || value > max)
    throw new BridgeConfigError(
      `--${flag} must be an integer within [${min}, ${max}], got ${JSON.stringify(text)}`,
    )
  return value
}

export function parseBridgeConfig(
  args: string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): BridgeConfig {
  let values
  try {
    values = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }).values
  } catch (err) {
    throw new BridgeConfigError((err as Error).message)
  }
  if (!values.signaling || !/^https?:\/\//.test(values.signaling))
    throw new BridgeConfigError(
      `--signaling must be an http(s):// URL, got ${JSON.stringify(values.signaling ?? '')}`,
    )
  const cidrs = (list: string[] | undefined, flag: string): string[] => {
    for (const c of list ?? []) {
      try {
        parseCidr(c)
      } catch (err) {
        throw new BridgeConfigError(`--${flag}: ${(err as Error).message}`)
      }
    }
    return list ?? []
  }
  const listen = values.listen ? hostPort(values.listen, 'listen') : null
  // Browsers announce the address as theirs: a wildcard would tell TCP peers nothing.
  if (listen && ['0.0.0.0', '::', ''].includes(listen.host) && !values['public-host'])
    throw new BridgeConfigError(`--listen ${values.listen} needs --public-host: the address TCP peers dial`)
  let token: string | undefined
  try {
    token = readBridgeToken(values['bridge-token-file'], env)
  } catch (err) {
    if (err instanceof BridgeTokenError) throw new BridgeConfigError(err.message)
    throw err
  }
  if (!(LOG_LEVELS as readonly string[]).includes(values['log-level']))
    throw new BridgeConfigError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`)
  return {
    signaling: values.signaling.replace(/\/+$/, ''),
    token: token ?? null,
    listen,
    publicHost: values['public-host'] ?? null,
    tracker: values.tracker ? hostPort(values.tracker, 'tracker') : null,
    allow: cidrs(values.allow, 'allow'),
    allowPrivate: cidrs(values['allow-private'], 'allow-private'),
    maxConnectionsPerPeer: integer(values['max-connections-per-peer'], 'max-connections-per-peer', 1, 1024),
    bytesPerSecondPerPeer: integer(
      values['max-bytes-per-s-per-peer'],
      'max-bytes-per-s-per-peer',
      0,
      2 ** 40,
    ),
    maxPeers: integer(values['max-peers'], 'max-peers', 1, 100_000),
    idleMs: integer(values['idle-timeout-s'], 'idle-timeout-s', 1, 86_400) * 1000,
    rtcBind: values['rtc-bind'] || null,
    logLevel: values['log-level'] as LogLevel,
  }
}
