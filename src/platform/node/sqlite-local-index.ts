/** The directory extension's local index on SQLite: what this peer last saw on its own disk. */
import Database from 'better-sqlite3'
import type { LocalEntry, LocalIndex } from '../../protocol/directory/local-index'
import type { SharePath } from '../../protocol/directory/share-path'

interface Row {
  path: string
  kind: string
  size: bigint
  mtime_ns: bigint
  sha256: string | null
  uuid: string | null
}

export class SqliteLocalIndex implements LocalIndex {
  private readonly upsert
  private readonly remove

  private constructor(private readonly db: Database.Database) {
    // Prepared once: preparing them again for each save cost more than a small save itself.
    this.upsert = db.prepare<[string, string, bigint, bigint, string | null, string | null]>(
      'INSERT OR REPLACE INTO local_index (path, kind, size, mtime_ns, sha256, uuid) VALUES (?, ?, ?, ?, ?, ?)',
    )
    this.remove = db.prepare<[string]>('DELETE FROM local_index WHERE path = ?')
  }

  static open(path: string): SqliteLocalIndex {
    const db = new Database(path)
    db.defaultSafeIntegers(true)
    // This process is the file's only user: no file lock per statement (sqlite-record-store.ts).
    db.pragma('locking_mode = EXCLUSIVE')
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.exec(`CREATE TABLE IF NOT EXISTS local_index (
      path TEXT PRIMARY KEY, kind TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, sha256 TEXT, uuid TEXT)`)
    return new SqliteLocalIndex(db)
  }

  async load(): Promise<Map<SharePath, LocalEntry>> {
    const rows = this.db.prepare<[], Row>('SELECT * FROM local_index').all()
    return new Map(
      rows.map((r) => {
        const entry: LocalEntry = {
          kind: r.kind === 'directory' ? 'directory' : 'file',
          size: Number(r.size),
          mtimeNs: BigInt(r.mtime_ns),
          sha256: r.sha256,
        }
        return [r.path as SharePath, r.uuid === null ? entry : { ...entry, uuid: r.uuid }]
      }),
    )
  }

  async save(changes: ReadonlyMap<SharePath, LocalEntry | null>): Promise<void> {
    this.db.transaction(() => {
      for (const [path, e] of changes) {
        if (e) this.upsert.run(path, e.kind, BigInt(e.size), e.mtimeNs, e.sha256, e.uuid ?? null)
        else this.remove.run(path)
      }
    })()
  }

  close(): void {
    this.db.close()
  }
}
