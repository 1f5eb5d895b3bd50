/**
 * What the engine persists in its key-value store, parsed back into typed values at this edge
 * (a store written by an older or broken version must not crash the engine: it is reported).
 */
import type { AccessCodeGrant } from '../protocol/access'
import type { AccessLevel, KeyEntry } from '../protocol/core/messages'
import { keysBody, parseKeys } from '../protocol/core/messages'
import { FieldReader } from '../protocol/wire/fields'
import { isJsonObject, type JsonObject, type JsonValue } from '../protocol/wire/json-value'

export const SHARE_PREFIX = 'share/'
export const GRANT_PREFIX = 'grant/'
export const JOIN_PREFIX = 'join/'
export const CONFIG_KEY = 'config'

/**
 * How this device syncs a share (directory.md, "Ignoring Files", "Subtree Copy", "Partial Copy",
 * "Archival"): local choices that need no peer's cooperation.
 */
export interface ShareOptions {
  /** gitignore-style patterns (ignore.ts): matching files are neither sent nor fetched. */
  readonly ignore?: readonly string[]
  /** Subtree copy: only this share path is synced, and it is the folder's root. */
  readonly subtree?: string
  /** Partial copy: share paths (files or folders) not synced here. */
  readonly excluded?: readonly string[]
  /** Keep replaced and deleted files in `.clearskies-archive` instead of removing them. */
  readonly archive?: boolean
}

const MAX_OPTION_ITEMS = 1024

function optionsToJson(o: ShareOptions | undefined): JsonObject {
  return {
    ...(o?.ignore ? { ignore: [...o.ignore] } : {}),
    ...(o?.subtree ? { subtree: o.subtree } : {}),
    ...(o?.excluded ? { excluded: [...o.excluded] } : {}),
    ...(o?.archive ? { archive: true } : {}),
  }
}

function optionsFromJson(value: JsonValue | undefined): ShareOptions {
  if (value === undefined) return {}
  const r = reader(value, 'share options')
  const subtree = r.optionalString('subtree', MAX_TEXT)
  return {
    ignore: r.optionalStringArray('ignore', MAX_OPTION_ITEMS, MAX_TEXT),
    ...(subtree === undefined ? {} : { subtree }),
    excluded: r.optionalStringArray('excluded', MAX_OPTION_ITEMS, MAX_TEXT),
    archive: r.has('archive') && r.boolean('archive'),
  }
}

/** A share this device is a member of. */
export interface StoredShare {
  /** Local handle: a folder path on the daemon, a name in the browser. */
  readonly location: string
  /** Where storage for this share lives (the platform's id for its database and files). */
  readonly storageId: string
  readonly peerId: string
  readonly accessLevel: AccessLevel
  /** core.md's keys, in the `core.keys` form: what this device holds for each level. */
  readonly keys: readonly KeyEntry[]
  /** Addresses the user entered for this share (`tcp:host:port`). */
  readonly peers: readonly string[]
  readonly createdAtMs: number
  readonly options?: ShareOptions
}

/** An access code this device made: the grant, and the secret half that is the SRP password. */
export interface StoredGrant {
  readonly grant: AccessCodeGrant
  readonly location: string
  readonly srpPassword: string
  /** The code as shown to the user, so it can be shown again (it is a secret: never logged). */
  readonly code: string
}

/** An access code this device is joining with: the keys will come from the code's creator. */
export interface StoredJoin {
  readonly accessId: string
  readonly srpPassword: string
  readonly location: string
  readonly storageId: string
  readonly peerId: string
  readonly createdAtMs: number
  readonly peers: readonly string[]
  /** The options the share will have once the keys arrive. */
  readonly options?: ShareOptions
}

const HEX_32 = /^[0-9a-f]{32}$/
const HEX_64 = /^[0-9a-f]{64}$/
const MAX_TEXT = 4096

function reader(value: JsonValue | undefined, what: string): FieldReader {
  if (!isJsonObject(value)) throw new Error(`stored ${what} is not an object`)
  return new FieldReader(value, `stored ${what}`)
}

function level(r: FieldReader, field: string): AccessLevel {
  const text = r.string(field, 32)
  if (text !== 'read_write' && text !== 'read_only')
    r.fail(field, `must be read_write or read_only, got "${text}"`)
  return text
}

export function shareToJson(s: StoredShare): JsonObject {
  const keys = keysBody({ accessLevel: s.accessLevel, keys: [...s.keys] })
  return {
    location: s.location,
    storage_id: s.storageId,
    peer_id: s.peerId,
    access_level: s.accessLevel,
    keys: keys.keys ?? [],
    peers: [...s.peers],
    created_at_ms: s.createdAtMs,
    options: optionsToJson(s.options),
  }
}

export function shareFromJson(value: JsonValue | undefined): StoredShare {
  const r = reader(value, 'share')
  const accessLevel = level(r, 'access_level')
  const body = value as JsonObject
  const keys = parseKeys({ type: 'core.keys', access_level: accessLevel, keys: body.keys ?? [] }).keys
  return {
    location: r.string('location', MAX_TEXT),
    storageId: r.string('storage_id', 64, HEX_32),
    peerId: r.string('peer_id', 32, HEX_32),
    accessLevel,
    keys,
    peers: r.optionalStringArray('peers', 64, 512),
    createdAtMs: r.integer('created_at_ms', 0, Number.MAX_SAFE_INTEGER),
    options: optionsFromJson(body.options),
  }
}

export function grantToJson(g: StoredGrant): JsonObject {
  return {
    access_id: g.grant.accessId,
    access_level: g.grant.accessLevel,
    mode: g.grant.mode,
    created_at_ms: g.grant.createdAtMs,
    expires_at_ms: g.grant.expiresAtMs,
    uses: g.grant.uses,
    cancelled: g.grant.cancelled,
    location: g.location,
    srp_password: g.srpPassword,
    code: g.code,
  }
}

export function grantFromJson(value: JsonValue | undefined): StoredGrant {
  const r = reader(value, 'grant')
  const text = r.string('mode', 16)
  const mode =
    text === 'one_time' || text === 'multi_use'
      ? text
      : r.fail('mode', `must be one_time or multi_use, got "${text}"`)
  const expires = (value as JsonObject).expires_at_ms
  return {
    grant: {
      accessId: r.string('access_id', 64, HEX_64),
      accessLevel: level(r, 'access_level'),
      mode,
      createdAtMs: r.integer('created_at_ms', 0, Number.MAX_SAFE_INTEGER),
      expiresAtMs: expires === null ? null : r.integer('expires_at_ms', 0, Number.MAX_SAFE_INTEGER),
      uses: r.integer('uses', 0, Number.MAX_SAFE_INTEGER),
      cancelled: r.boolean('cancelled'),
    },
    location: r.string('location', MAX_TEXT),
    srpPassword: r.string('srp_password', MAX_TEXT),
    code: r.string('code', MAX_TEXT),
  }
}

export function joinToJson(j: StoredJoin): JsonObject {
  return {
    access_id: j.accessId,
    srp_password: j.srpPassword,
    location: j.location,
    storage_id: j.storageId,
    peer_id: j.peerId,
    created_at_ms: j.createdAtMs,
    peers: [...j.peers],
    options: optionsToJson(j.options),
  }
}

export function joinFromJson(value: JsonValue | undefined): StoredJoin {
  const r = reader(value, 'join')
  return {
    accessId: r.string('access_id', 64, HEX_64),
    srpPassword: r.string('srp_password', MAX_TEXT),
    location: r.string('location', MAX_TEXT),
    storageId: r.string('storage_id', 64, HEX_32),
    peerId: r.string('peer_id', 32, HEX_32),
    createdAtMs: r.integer('created_at_ms', 0, Number.MAX_SAFE_INTEGER),
    peers: r.optionalStringArray('peers', 64, 512),
    options: optionsFromJson((value as JsonObject).options),
  }
}
