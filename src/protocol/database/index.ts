/**
 * The database extension (database.md): a key-value store of records kept in sync between the
 * peers of a club, with vector clocks, tombstones, `get_updates`/`update` and read-write
 * signatures on what read-only peers carry.
 *
 * `Database` is one club's engine: no I/O of its own. Storage comes in as a `RecordStore`
 * (memory here; SQLite in src/platform/node), connections as ids with a `send` callback, signing
 * as a `Signer`/`Verifier`. Platform-neutral: imports only wire/ (JSON values, timestamps, the
 * body encoder and RSA helpers). Decisions where the draft is loose:
 * docs/protocol-notes/database.md.
 */
export {
  type Conflict,
  type ConflictKind,
  type ConflictResolution,
  type ConflictResolver,
  type LocalChange,
  keyHolder,
  latestUpdateWins,
  newerWins,
} from './conflict'
export {
  Database,
  type DatabaseOptions,
  LOGICAL_CLOCK_STATE,
  REVISION_STATE,
  type ReceiveOutcome,
  UPDATE_PAGE_RECORDS,
} from './database'
export { DatabaseError, type DatabaseErrorCode } from './errors'
export { isId, type PeerId, randomId } from './ids'
export { MemoryRecordStore } from './memory-record-store'
export {
  GET_UPDATES_TYPE,
  getUpdatesBody,
  type IncomingMessage,
  type OutgoingMessage,
  parseGetUpdates,
} from './messages'
export { type AccessLevel, type PeerConnection } from './outgoing'
export {
  type DatabaseRecord,
  MAX_INT64,
  parseUpdate,
  type SignedUpdate,
  UPDATE_TYPE,
  updateBody,
} from './record'
export { changeOrder, isWanted, type RecordStore, type StoreBatch } from './record-store'
export { rsaSigner, rsaVerifier } from './rsa-signer'
export { type Signer, type Verifier } from './signing'
export {
  before,
  type ClockOrder,
  compareClocks,
  EMPTY_CLOCK,
  LogicalClock,
  mergeClocks,
  type VectorClock,
} from './vector-clock'
