/** The engine's key-value store on SQLite: one small table of lossless-JSON documents. */
import Database from 'better-sqlite3'
import type { KeyValueStore } from '../../engine/kv-store'
import { parseJson, stringifyJson } from '../../protocol/wire/json'
import type { JsonValue } from '../../protocol/wire/json-value'

export class SqliteKeyValueStore implements KeyValueStore {
  private constructor(private readonly db: Database.Database) {}

  static open(path: string): SqliteKeyValueStore {
    const db = new Database(path)
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.exec('CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)')
    return new SqliteKeyValueStore(db)
  }

  async get(key: string): Promise<JsonValue | undefined> {
    const row = this.db.prepare<[string], { value: string }>('SELECT value FROM kv WHERE key = ?').get(key)
    return row ? parseJson(row.value) : undefined
  }

  async set(key: string, value: JsonValue): Promise<void> {
    this.db.prepare('INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)').run(key, stringifyJson(value))
  }

  async delete(key: string): Promise<void> {
    this.db.prepare('DELETE FROM kv WHERE key = ?').run(key)
  }

  async list(prefix: string): Promise<Array<[string, JsonValue]>> {
    // Keys are ours (no wildcards in them), but escape anyway so a prefix means a prefix.
    const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
    const rows = this.db
      .prepare<[string], { key: string; value: string }>(
        "SELECT key, value FROM kv WHERE key LIKE ? ESCAPE '\\' ORDER BY key",
      )
      .all(pattern)
    return rows.map((row) => [row.key, parseJson(row.value)])
  }

  close(): void {
    this.db.close()
  }
}
