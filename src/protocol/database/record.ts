/**
 * The record (database.md, "Database Layout") and its wire form, the `database.update` message
 * body. Parsing is the edge: past `parseUpdate` every field is typed and within its bounds.
 */
import type { JsonObject, JsonValue } from '../wire/json-value'
import { isJsonObject } from '../wire/json-value'
import { formatTimestamp, parseTimestamp, type Nanoseconds } from '../wire/timestamp'
import { fieldError } from './errors'
import { isId, type PeerId } from './ids'
import type { VectorClock } from './vector-clock'

export const UPDATE_TYPE = 'database.update'

/**
 * 64-bit integers (revisions, clock members, `update_time` in nanoseconds) are kept within the
 * signed range so that SQLite's INTEGER holds them exactly; the draft only says "64-bit".
 */
export const MAX_INT64 = 2n ** 63n - 1n
const MIN_INT64 = -(2n ** 63n)

/** An `s` message as it arrived: the exact body bytes and the base64 RSA signature over them. */
export interface SignedUpdate {
  readonly bytes: Uint8Array
  readonly signature: string
}

export interface DatabaseRecord {
  /** "The user-chosen key", unique among live records; `uuid` identifies the record. */
  readonly key: string
  readonly value: JsonValue
  readonly uuid: string
  readonly lastUpdatedBy: PeerId
  /** "the local counter of writes on the peer in the `last_updated_by` field" */
  readonly lastUpdatedRev: bigint
  readonly updateTime: Nanoseconds
  readonly vectorClock: VectorClock
  /** Deleted records are tombstones, kept forever ("Deleted Records"). */
  readonly deleted: boolean
  /**
   * The signed `database.update` this record was received as, kept so that it can be repeated
   * to read-only peers byte for byte ("Read-only peers should permanently store both the
   * message and its signature"). Its clock may be older than `vectorClock` after a conflict.
   */
  readonly signed?: SignedUpdate
}

const WHAT = 'database.update'

function requireId(body: JsonObject, field: string): string {
  const value = body[field]
  if (typeof value !== 'string' || !isId(value)) {
    throw fieldError(
      WHAT,
      field,
      `expected 32 lowercase hex characters (a 128-bit ID), got ${describe(value)}`,
    )
  }
  return value
}

/** A JSON integer as bigint: small ones arrive as `number`, those beyond 2^53 as `bigint`. */
export function toInt64(value: JsonValue | undefined, what: string, field: string, min = 0n): bigint {
  let n: bigint | undefined
  if (typeof value === 'bigint') n = value
  else if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value)
  if (n === undefined || n < min || n > MAX_INT64) {
    throw fieldError(what, field, `expected an integer from ${min} to ${MAX_INT64}, got ${describe(value)}`)
  }
  return n
}

function describe(value: JsonValue | undefined): string {
  if (value === undefined) return 'nothing (the field is missing)'
  if (typeof value === 'bigint') return value.toString()
  const text = JSON.stringify(value)
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

export function parseVectorClock(value: JsonValue | undefined, what: string, field: string): VectorClock {
  if (!isJsonObject(value))
    throw fieldError(what, field, `expected an object of peer ID to counter, got ${describe(value)}`)
  const clock = new Map<PeerId, bigint>()
  for (const [peer, member] of Object.entries(value)) {
    if (!isId(peer))
      throw fieldError(
        what,
        `${field}.${peer.slice(0, 40)}`,
        'expected a peer ID of 32 lowercase hex characters',
      )
    clock.set(peer, toInt64(member, what, `${field}.${peer}`))
  }
  return clock
}

export function vectorClockJson(clock: VectorClock): JsonObject {
  const json: JsonObject = {}
  for (const [peer, member] of clock) json[peer] = member
  return json
}

/** Validates a `database.update` body; errors name the field, the bound and the value. */
export function parseUpdate(body: JsonObject, signed?: SignedUpdate): DatabaseRecord {
  if (body.type !== UPDATE_TYPE)
    throw fieldError(WHAT, 'type', `expected "${UPDATE_TYPE}", got ${describe(body.type)}`)
  const key = body.key
  if (typeof key !== 'string') throw fieldError(WHAT, 'key', `expected a string, got ${describe(key)}`)
  const deleted = body.deleted ?? false // absent in the draft's example of a live record
  if (typeof deleted !== 'boolean')
    throw fieldError(WHAT, 'deleted', `expected true or false, got ${describe(deleted)}`)
  const value = body.value ?? null
  if (body.value === undefined && !deleted)
    throw fieldError(WHAT, 'value', 'missing on a record that is not deleted')
  const time = body.update_time
  if (typeof time !== 'string')
    throw fieldError(WHAT, 'update_time', `expected an ISO 8601 string, got ${describe(time)}`)
  let updateTime: bigint
  try {
    updateTime = parseTimestamp(time)
  } catch (err) {
    throw fieldError(WHAT, 'update_time', (err as Error).message)
  }
  if (updateTime < MIN_INT64 || updateTime > MAX_INT64) {
    throw fieldError(
      WHAT,
      'update_time',
      `${time} is outside the 64-bit nanosecond range (years 1677 to 2262)`,
    )
  }
  const record: DatabaseRecord = {
    key,
    value,
    uuid: requireId(body, 'uuid'),
    lastUpdatedBy: requireId(body, 'last_updated_by'),
    lastUpdatedRev: toInt64(body.last_updated_rev, WHAT, 'last_updated_rev', 1n),
    updateTime,
    vectorClock: parseVectorClock(body.vector_clock, WHAT, 'vector_clock'),
    deleted,
  }
  return signed ? { ...record, signed: ownBytes(signed) } : record
}

/**
 * The signed message with bytes of its own. The wire decoder hands a body out as a view of what
 * arrived, up to a whole inflated gzip frame of file data; a record is kept (the database keeps
 * 16,384 in memory), and its view would keep all of that alive with it.
 */
function ownBytes(signed: SignedUpdate): SignedUpdate {
  const { bytes } = signed
  return bytes.byteLength === bytes.buffer.byteLength ? signed : { ...signed, bytes: bytes.slice() }
}

/** The `database.update` body for a record: every field, 64-bit integers as bigint. */
export function updateBody(record: DatabaseRecord): JsonObject {
  return {
    type: UPDATE_TYPE,
    key: record.key,
    value: record.value,
    uuid: record.uuid,
    last_updated_by: record.lastUpdatedBy,
    last_updated_rev: record.lastUpdatedRev,
    update_time: formatTimestamp(record.updateTime),
    vector_clock: vectorClockJson(record.vectorClock),
    deleted: record.deleted,
  }
}

/** The same change of the same record: one version, whichever path it travelled. */
export function sameVersion(a: DatabaseRecord, b: DatabaseRecord): boolean {
  return a.uuid === b.uuid && a.lastUpdatedBy === b.lastUpdatedBy && a.lastUpdatedRev === b.lastUpdatedRev
}
