/**
 * The database extension's `RecordStore` on SQLite (better-sqlite3, synchronous under async
 * methods). One file per club: a club's records go with its folder, indexes stay narrow, and
 * clubs never wait on each other's write lock. 64-bit integers are read and bound as BigInt
 * (`safeIntegers`), so revisions, clock members and nanosecond times are exact; values and
 * clocks are lossless JSON text (the wire's `json.ts`).
 *
 * The file is opened in exclusive locking mode: this process is its only user, so SQLite keeps
 * its WAL index in memory and takes no file lock per statement (a read was two fcntl calls and a
 * look at the shared-memory file; a sync of 10,000 files made 40,000 reads). Another process
 * (the sqlite3 shell) can open the file once the engine has closed it.
 */
import Database from 'better-sqlite3'
import type { PeerId } from '../../protocol/database/ids'
import { LruMap } from '../../protocol/database/lru-map'
import type { DatabaseRecord } from '../../protocol/database/record'
import { parseVectorClock, vectorClockJson } from '../../protocol/database/record'
import type { RecordStore, StoreBatch } from '../../protocol/database/record-store'
import { parseJson, stringifyJson } from '../../protocol/wire/json'

/** Step n takes the schema from `PRAGMA user_version` n to n + 1; later versions append steps. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE records (
     uuid TEXT PRIMARY KEY,
     key TEXT NOT NULL,
     value TEXT NOT NULL,
     last_updated_by TEXT NOT NULL,
     last_updated_rev INTEGER NOT NULL,
     update_time INTEGER NOT NULL,
     vector_clock TEXT NOT NULL,
     deleted INTEGER NOT NULL,
     signed_body BLOB,
     signature TEXT
   ) WITHOUT ROWID;
   CREATE INDEX records_key ON records (key);
   CREATE INDEX records_by_rev ON records (last_updated_by, last_updated_rev);
   CREATE INDEX records_rev ON records (last_updated_rev, uuid);
   CREATE TABLE state (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;`,
]

export const SCHEMA_VERSION = MIGRATIONS.length

/**
 * Records parsed from their rows, kept by uuid for reads soon after (a record read or written,
 * then read again in the same burst). Parsing a value holds most of a read's cost: every file
 * value has a nanosecond mtime, beyond 2^53, which sends it through the lossless JSON parser.
 * Few: the reads of a sync that come back to a record much later are answered by the database's
 * own holder of each key (database.ts), and a scan writes every record of the share.
 */
const PARSED_RECORDS_KEPT = 2_048

interface Row {
  uuid: string
  key: string
  value: string
  last_updated_by: string
  last_updated_rev: bigint
  update_time: bigint
  vector_clock: string
  deleted: bigint
  signed_body: Uint8Array | null
  signature: string | null
}

/** Whether two rows hold the same version of a record, field for field. */
function sameRow(a: Row, b: Row): boolean {
  return (
    a.value === b.value &&
    a.vector_clock === b.vector_clock &&
    a.key === b.key &&
    a.last_updated_by === b.last_updated_by &&
    a.last_updated_rev === b.last_updated_rev &&
    a.update_time === b.update_time &&
    a.deleted === b.deleted &&
    a.signature === b.signature &&
    sameBytes(a.signed_body, b.signed_body)
  )
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b
  return a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i])
}

/** Rows and their parsed records by uuid, the least recently used dropped first. */
class ParsedRecords {
  private readonly entries = new LruMap<string, { readonly row: Row; readonly record: DatabaseRecord }>(
    PARSED_RECORDS_KEPT,
  )

  /** The record a row holds, parsed only if the row is not the one kept for its uuid. */
  recordOf(row: Row): DatabaseRecord {
    const kept = this.entries.get(row.uuid)
    if (kept && sameRow(kept.row, row)) return kept.record
    const record = toRecord(row)
    this.keep(row, record)
    return record
  }

  keep(row: Row, record: DatabaseRecord): void {
    this.entries.set(row.uuid, { row, record })
  }
}

function toRecord(row: Row): DatabaseRecord {
  const record: DatabaseRecord = {
    key: row.key,
    value: parseJson(row.value),
    uuid: row.uuid,
    lastUpdatedBy: row.last_updated_by,
    lastUpdatedRev: row.last_updated_rev,
    updateTime: row.update_time,
    vectorClock: parseVectorClock(parseJson(row.vector_clock), 'stored record', 'vector_clock'),
    deleted: row.deleted !== 0n,
  }
  if (row.signed_body === null || row.signature === null) return record
  return { ...record, signed: { bytes: new Uint8Array(row.signed_body), signature: row.signature } }
}

function toRow(r: DatabaseRecord): Row {
  return {
    uuid: r.uuid,
    key: r.key,
    value: stringifyJson(r.value),
    last_updated_by: r.lastUpdatedBy,
    last_updated_rev: r.lastUpdatedRev,
    update_time: r.updateTime,
    vector_clock: stringifyJson(vectorClockJson(r.vectorClock)),
    deleted: r.deleted ? 1n : 0n,
    signed_body: r.signed?.bytes ?? null,
    signature: r.signed?.signature ?? null,
  }
}

export class SqliteRecordStore implements RecordStore {
  private readonly statements
  private readonly parsed = new ParsedRecords()

  private constructor(private readonly db: Database.Database) {
    const select = 'SELECT * FROM records'
    this.statements = {
      byUuid: db.prepare<[string], Row>(`${select} WHERE uuid = ?`),
      byKey: db.prepare<[string], Row>(`${select} WHERE key = ?`),
      upsert: db.prepare<[Row]>(
        `INSERT OR REPLACE INTO records (uuid, key, value, last_updated_by, last_updated_rev, update_time, vector_clock, deleted, signed_body, signature)
         VALUES (@uuid, @key, @value, @last_updated_by, @last_updated_rev, @update_time, @vector_clock, @deleted, @signed_body, @signature)`,
      ),
      setState: db.prepare<[string, string]>('INSERT OR REPLACE INTO state (name, value) VALUES (?, ?)'),
      getState: db.prepare<[string], { value: string }>('SELECT value FROM state WHERE name = ?'),
      maxRevisions: db.prepare<[], { peer: string; rev: bigint }>(
        'SELECT last_updated_by AS peer, MAX(last_updated_rev) AS rev FROM records GROUP BY last_updated_by',
      ),
      // database.md's query, with the `since` map as a JSON object and keyset paging on (rev, uuid).
      changedSince: db.prepare<[string, bigint, string, bigint], Row>(
        `SELECT r.* FROM records AS r LEFT JOIN json_each(?) AS s ON s.key = r.last_updated_by
         WHERE (s.value IS NULL OR r.last_updated_rev > s.value) AND (r.last_updated_rev, r.uuid) > (?, ?)
         ORDER BY r.last_updated_rev, r.uuid LIMIT ?`,
      ),
    }
  }

  /** Opens (creating and migrating) the club's database file; ':memory:' for a private one. */
  static open(path: string): SqliteRecordStore {
    const db = new Database(path)
    db.defaultSafeIntegers(true)
    // Before the first access, so no shared-memory WAL index is ever made (see above).
    db.pragma('locking_mode = EXCLUSIVE')
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL') // WAL: durable at checkpoints, never corrupt
    migrate(db)
    return new SqliteRecordStore(db)
  }

  async getByUuid(uuid: string): Promise<DatabaseRecord | undefined> {
    const row = this.statements.byUuid.get(uuid)
    return row && this.parsed.recordOf(row)
  }

  async getByKey(key: string): Promise<DatabaseRecord[]> {
    return this.statements.byKey.all(key).map((row) => this.parsed.recordOf(row))
  }

  async write(batch: StoreBatch): Promise<void> {
    const rows = batch.records.map(toRow)
    this.db.transaction(() => {
      for (const row of rows) this.statements.upsert.run(row)
      for (const [name, value] of batch.state) this.statements.setState.run(name, value)
    })()
    // Kept once written: a failed transaction keeps nothing.
    rows.forEach((row, i) => this.parsed.keep(row, batch.records[i]!))
  }

  async maxRevisions(): Promise<Map<PeerId, bigint>> {
    return new Map(this.statements.maxRevisions.all().map((r) => [r.peer, r.rev]))
  }

  async *changedSince(
    since: ReadonlyMap<PeerId, bigint>,
    batchSize: number,
  ): AsyncIterable<DatabaseRecord[]> {
    const sinceJson = stringifyJson(vectorClockJson(since))
    let after: [bigint, string] = [-1n, '']
    for (;;) {
      const rows = this.statements.changedSince.all(sinceJson, after[0], after[1], BigInt(batchSize))
      const last = rows.at(-1)
      if (!last) return
      yield rows.map(toRecord)
      after = [last.last_updated_rev, last.uuid]
    }
  }

  async getState(name: string): Promise<string | undefined> {
    return this.statements.getState.get(name)?.value
  }

  async close(): Promise<void> {
    this.db.close()
  }
}

function migrate(db: Database.Database): void {
  const version = Number(db.pragma('user_version', { simple: true }))
  if (version > SCHEMA_VERSION) {
    throw new Error(`record store schema version ${version} is newer than this program's ${SCHEMA_VERSION}`)
  }
  db.transaction(() => {
    for (let v = version; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v] ?? '')
    db.pragma(`user_version = ${SCHEMA_VERSION}`)
  })()
}
