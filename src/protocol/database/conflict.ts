/**
 * Conflicts (database.md, "Conflicts"): the two ways they arise, the default resolution ("use
 * the record with the largest `update_time`") and the hook an application replaces it with.
 */
import type { JsonValue } from '../wire/json-value'
import type { DatabaseRecord } from './record'

export type ConflictKind =
  /** "the same record is changed on two different hosts": same uuid, concurrent clocks. */
  | 'version'
  /** "two records with the same `key` are created on two different peers": different uuids. */
  | 'key'

export interface Conflict {
  readonly kind: ConflictKind
  /** `version`: the stored record. `key`: the other live record that holds the key. */
  readonly current: DatabaseRecord
  /** `version`: the received record. `key`: the received record that now holds the key too. */
  readonly incoming: DatabaseRecord
  /** The default's choice (`newerWins`), for resolvers that only add to it. */
  readonly winner: 'current' | 'incoming'
  /**
   * A `version` conflict between the stored record and a local change made without having seen
   * it (`LocalChange.concurrent`). No other peer sees this conflict: the resolved record goes out
   * as a descendant of both, so the loser must be kept here, whoever wrote it.
   */
  readonly here?: boolean
}

/** A change this peer originates, as a local edit would (a new revision, clock rule 2). */
export interface LocalChange {
  /** The record to change; absent: the record holding `key`, or a new one. */
  readonly uuid?: string
  readonly key: string
  readonly value: JsonValue
  readonly deleted?: boolean
  /**
   * The change was made on an older version than the stored one, which this peer has not caught
   * up with (a file edited here while a peer's newer version of it is still on its way). The two
   * are concurrent (database.md, "Conflicts"): resolved at once, as a received conflict would be.
   */
  readonly concurrent?: boolean
}

export interface ConflictResolution {
  /**
   * `version` conflicts: whose fields the stored record keeps; its clock is the merge of both
   * either way. `key` conflicts keep both records whatever this says; lookups by key then answer
   * with the winner of `newerWins`.
   */
  readonly keep: 'current' | 'incoming'
  /**
   * Changes to originate once the conflict is stored, e.g. the directory extension keeping the
   * loser as `name.CONFLICT.xxxxxxxx.ext`. Dropped (with a log line) on a read-only peer.
   */
  readonly changes?: readonly LocalChange[]
}

/**
 * Every peer that sees a conflict resolves it on its own, so a resolver must give the same
 * answer whichever side is `current`, or peers will keep different records.
 */
export type ConflictResolver = (conflict: Conflict) => ConflictResolution

/**
 * The total order behind the default: the larger `update_time`; on a tie the larger `uuid`, then
 * `last_updated_by`, then `last_updated_rev` (lexicographic on the hex IDs). Symmetric, so
 * every peer picks the same record.
 */
export function newerWins(a: DatabaseRecord, b: DatabaseRecord): boolean {
  if (a.updateTime !== b.updateTime) return a.updateTime > b.updateTime
  if (a.uuid !== b.uuid) return a.uuid > b.uuid
  if (a.lastUpdatedBy !== b.lastUpdatedBy) return a.lastUpdatedBy > b.lastUpdatedBy
  return a.lastUpdatedRev > b.lastUpdatedRev
}

export const latestUpdateWins: ConflictResolver = (conflict) => ({ keep: conflict.winner })

/**
 * The record a key names: the winning live record, else (the key was deleted) the winning
 * tombstone, whose uuid a new local change revives so the change descends from the deletion.
 */
export function keyHolder(records: readonly DatabaseRecord[]): DatabaseRecord | undefined {
  const live = records.filter((r) => !r.deleted)
  const candidates = live.length > 0 ? live : records
  let best: DatabaseRecord | undefined
  for (const r of candidates) if (!best || newerWins(r, best)) best = r
  return best
}
