/**
 * The messages of the database extension as the engine exchanges them with a connection, and
 * `database.get_updates` (database.md, "Requesting Updates").
 */
import type { JsonObject } from '../wire/json-value'
import { fieldError } from './errors'
import type { PeerId } from './ids'
import { parseVectorClock, vectorClockJson, type SignedUpdate } from './record'

export const GET_UPDATES_TYPE = 'database.get_updates'

/**
 * A message from the connection. For an `s` message `signed` holds the body bytes exactly as
 * framed and the signature, and `body` is what the wire decoder parsed from those bytes.
 */
export interface IncomingMessage {
  readonly body: JsonObject
  readonly signed?: SignedUpdate
}

/** A message for the connection to frame: `m` with a body, or `s` with signed bytes as is. */
export type OutgoingMessage =
  { readonly kind: 'm'; readonly body: JsonObject } | { readonly kind: 's'; readonly signed: SignedUpdate }

export function getUpdatesBody(since: ReadonlyMap<PeerId, bigint>): JsonObject {
  return { type: GET_UPDATES_TYPE, since: vectorClockJson(since) }
}

/** The `since` map: peer ID to the highest revision the client holds (same shape as a clock). */
export function parseGetUpdates(body: JsonObject): Map<PeerId, bigint> {
  if (body.since === undefined) throw fieldError(GET_UPDATES_TYPE, 'since', 'missing')
  return new Map(parseVectorClock(body.since, GET_UPDATES_TYPE, 'since'))
}
