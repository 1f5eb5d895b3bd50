/**
 * The core messages (core.md, "Handshake", "Key Exchange", "Keep-alive"): wire bodies parsed into
 * typed values at this edge, and typed values turned back into bodies. Unknown keys are ignored.
 */
import { FieldReader } from '../wire/fields'
import type { JsonObject } from '../wire/json-value'

export const PEER_ID = /^[0-9a-f]{32}$/
export const HEX_256 = /^[0-9a-f]{64}$/
const MAX_SOFTWARE_CHARS = 256
const MAX_NAME_CHARS = 256
const MAX_EXTENSIONS = 64
const MAX_EXTENSION_CHARS = 128
const MAX_VERSIONS = 32
const MAX_KEYS = 16
const MAX_PEM_CHARS = 16 * 1024
/** A day: longer than any sane keep-alive, short enough that a peer cannot pin a dead connection forever. */
export const MAX_PING_TIMEOUT_S = 86_400

export type AccessLevel = 'read_write' | 'read_only'
export const ACCESS_LEVELS: readonly AccessLevel[] = ['read_write', 'read_only']

export interface Greeting {
  software: string
  name?: string
  protocol: number[]
  extensions: string[]
  peer: string
}

export interface Start {
  software: string
  name?: string
  protocol: number
  extensions: string[]
  peer: string
}

/** One access level's keys; which fields are present depends on what the receiver may hold. */
export interface KeyEntry {
  accessLevel: AccessLevel
  id?: string
  key?: string
  privateRsa?: string
  publicRsa?: string
}

export interface Keys {
  /** The level the receiver is to use from now on. */
  accessLevel: AccessLevel
  keys: KeyEntry[]
}

export interface Ping {
  timeoutS: number
}

function accessLevel(r: FieldReader, field: string, value: string): AccessLevel {
  if (!(ACCESS_LEVELS as readonly string[]).includes(value))
    r.fail(field, `must be one of ${ACCESS_LEVELS.join(', ')}, got "${value}"`)
  return value as AccessLevel
}

export function parseGreeting(body: JsonObject): Greeting {
  const r = new FieldReader(body, 'core.greeting')
  return {
    software: r.optionalString('software', MAX_SOFTWARE_CHARS) ?? '',
    name: r.optionalString('name', MAX_NAME_CHARS),
    protocol: r.integerArray('protocol', MAX_VERSIONS, 0, 0xffff),
    extensions: r.optionalStringArray('extensions', MAX_EXTENSIONS, MAX_EXTENSION_CHARS),
    peer: r.string('peer', 32, PEER_ID),
  }
}

export function parseStart(body: JsonObject): Start {
  const r = new FieldReader(body, 'core.start')
  return {
    software: r.optionalString('software', MAX_SOFTWARE_CHARS) ?? '',
    name: r.optionalString('name', MAX_NAME_CHARS),
    protocol: r.integer('protocol', 0, 0xffff),
    extensions: r.optionalStringArray('extensions', MAX_EXTENSIONS, MAX_EXTENSION_CHARS),
    peer: r.string('peer', 32, PEER_ID),
  }
}

export function parseKeys(body: JsonObject): Keys {
  const r = new FieldReader(body, 'core.keys')
  const keys = r.objectArray('keys', MAX_KEYS).map((entry, i): KeyEntry => {
    const e = new FieldReader(entry, `core.keys keys[${i}]`)
    const parsed: KeyEntry = { accessLevel: accessLevel(e, 'access_level', e.string('access_level', 32)) }
    const id = e.optionalString('id', 64, HEX_256)
    const key = e.optionalString('key', 64, HEX_256)
    const privateRsa = e.optionalString('private_rsa', MAX_PEM_CHARS)
    const publicRsa = e.optionalString('public_rsa', MAX_PEM_CHARS)
    if (id !== undefined) parsed.id = id
    if (key !== undefined) parsed.key = key
    if (privateRsa !== undefined) parsed.privateRsa = privateRsa
    if (publicRsa !== undefined) parsed.publicRsa = publicRsa
    if ((id === undefined) !== (key === undefined))
      e.fail(id === undefined ? 'id' : 'key', 'must come together with its key ID / key')
    return parsed
  })
  const level = accessLevel(r, 'access_level', r.string('access_level', 32))
  const own = keys.find((k) => k.accessLevel === level)
  if (!own?.key || !own.id) r.fail('keys', `has no id and key for the granted access level "${level}"`)
  return { accessLevel: level, keys }
}

export function parsePing(body: JsonObject): Ping {
  return { timeoutS: new FieldReader(body, 'core.ping').integer('timeout', 1, MAX_PING_TIMEOUT_S) }
}

function withName(body: JsonObject, name: string | undefined): JsonObject {
  if (name !== undefined) body.name = name
  return body
}

export function greetingBody(g: Greeting): JsonObject {
  return withName(
    {
      type: 'core.greeting',
      software: g.software,
      protocol: g.protocol,
      extensions: g.extensions,
      peer: g.peer,
    },
    g.name,
  )
}

export function startBody(s: Start): JsonObject {
  return withName(
    {
      type: 'core.start',
      software: s.software,
      protocol: s.protocol,
      extensions: s.extensions,
      peer: s.peer,
    },
    s.name,
  )
}

export function keysBody(k: Keys): JsonObject {
  return {
    type: 'core.keys',
    access_level: k.accessLevel,
    keys: k.keys.map((e) => {
      const o: JsonObject = { access_level: e.accessLevel }
      if (e.id !== undefined) o.id = e.id
      if (e.key !== undefined) o.key = e.key
      if (e.privateRsa !== undefined) o.private_rsa = e.privateRsa
      if (e.publicRsa !== undefined) o.public_rsa = e.publicRsa
      return o
    }),
  }
}

export const KEYS_ACKNOWLEDGMENT_BODY: JsonObject = { type: 'core.keys_acknowledgment' }

export function pingBody(p: Ping): JsonObject {
  return { type: 'core.ping', timeout: p.timeoutS }
}
