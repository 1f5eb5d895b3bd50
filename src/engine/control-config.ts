/**
 * The peer's settings, as control.md's get_config / set_config see them: a flat object of known
 * keys, each validated on the way in (a typo must not be stored and silently ignored), persisted in
 * the engine's key-value store under CONFIG_KEY. Values not set fall back to the host's defaults.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../protocol/wire/json-value'
import type { KeyValueStore } from './kv-store'
import { CONFIG_KEY } from './stored'

export interface PeerConfig {
  /** Bytes per second; 0 means no limit. */
  readonly upload_limit: number
  readonly download_limit: number
  /** The tracker as HOST:PORT, or '' for none. */
  readonly tracker: string
  /** LAN broadcast discovery (core.md, "LAN Broadcast"). */
  readonly lan: boolean
  /** Where to accept peers, HOST:PORT. */
  readonly listen: string
  /** This device's name, sent in the greeting. */
  readonly name: string
}

export type ConfigKey = keyof PeerConfig

export class ConfigError extends Error {
  readonly code = 'EINVAL'
}

const MAX_RATE_BYTES_PER_S = 2 ** 40
const MAX_NAME_CHARS = 64
/** HOST:PORT with an IPv6 host in brackets, as core.md writes addresses. */
const HOST_PORT = /^(?:\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):(\d{1,5})$/

function rate(key: string, value: JsonValue): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_RATE_BYTES_PER_S) {
    throw new ConfigError(
      `${key} must be a whole number of bytes per second from 0 (no limit) to ${MAX_RATE_BYTES_PER_S}, got ${JSON.stringify(value)}`,
    )
  }
  return value
}

function hostPort(key: string, value: JsonValue, allowEmpty: boolean): string {
  if (typeof value === 'string' && allowEmpty && value === '') return value
  const match = typeof value === 'string' ? HOST_PORT.exec(value) : null
  if (!match || Number(match[1]) > 65_535)
    throw new ConfigError(
      `${key} must be HOST:PORT${allowEmpty ? " or ''" : ''}, got ${JSON.stringify(value)}`,
    )
  return value as string
}

const VALIDATORS: { readonly [K in ConfigKey]: (value: JsonValue) => PeerConfig[K] } = {
  upload_limit: (v) => rate('upload_limit', v),
  download_limit: (v) => rate('download_limit', v),
  tracker: (v) => hostPort('tracker', v, true),
  listen: (v) => hostPort('listen', v, false),
  lan: (v) => {
    if (typeof v !== 'boolean') throw new ConfigError(`lan must be true or false, got ${JSON.stringify(v)}`)
    return v
  },
  name: (v) => {
    if (typeof v !== 'string' || v.length > MAX_NAME_CHARS || /[\n\r]/.test(v))
      throw new ConfigError(`name must be one line of at most ${MAX_NAME_CHARS} characters`)
    return v
  },
}

export const CONFIG_KEYS = Object.keys(VALIDATORS) as ConfigKey[]

function isConfigKey(key: string): key is ConfigKey {
  return Object.hasOwn(VALIDATORS, key)
}

export function checkConfigKey(key: string): ConfigKey {
  if (!isConfigKey(key))
    throw new ConfigError(`unknown setting "${key.slice(0, 64)}"; known: ${CONFIG_KEYS.join(', ')}`)
  return key
}

/** Validates a partial config: every key known, every value of its kind. */
export function checkConfig(values: JsonObject): Partial<PeerConfig> {
  const checked: Record<string, JsonValue> = {}
  for (const [key, value] of Object.entries(values)) {
    const known = checkConfigKey(key)
    checked[known] = VALIDATORS[known](value)
  }
  return checked as Partial<PeerConfig>
}

/** The values set so far; entries a newer or broken version left that no longer validate are skipped. */
async function storedValues(kv: KeyValueStore): Promise<Partial<PeerConfig>> {
  const stored = await kv.get(CONFIG_KEY)
  if (!isJsonObject(stored)) return {}
  const values: Record<string, JsonValue> = {}
  for (const [key, value] of Object.entries(stored)) {
    try {
      Object.assign(values, checkConfig({ [key]: value }))
    } catch {
      // ignored: a value that does not validate is as good as unset
    }
  }
  return values as Partial<PeerConfig>
}

export class ConfigStore {
  constructor(
    private readonly kv: KeyValueStore,
    readonly defaults: PeerConfig,
  ) {}

  async read(): Promise<PeerConfig> {
    return { ...this.defaults, ...(await storedValues(this.kv)) }
  }

  /** Validates then stores `values` over what is set; returns the keys that changed. */
  async write(values: JsonObject): Promise<ConfigKey[]> {
    const checked = checkConfig(values)
    const before = await storedValues(this.kv)
    await this.kv.set(CONFIG_KEY, { ...before, ...checked })
    return (Object.keys(checked) as ConfigKey[]).filter((key) => before[key] !== checked[key])
  }
}
