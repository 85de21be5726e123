// The store's tables and their migrations. Each migration runs once, in order, inside the
// opening transaction; schema_version records which ones ran. A store from a newer ipsec-ts
// (a version above the last one here) is refused, never guessed at.
import type { Database } from 'better-sqlite3';
import { corruptStore, newerSchemaStore } from './store-error.js';

interface Migration {
  readonly version: number;
  readonly sql: string;
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE seq_reservation (
        spi INTEGER NOT NULL,
        key_fp TEXT NOT NULL,
        reserved_through INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (spi, key_fp)
      ) WITHOUT ROWID;
      CREATE TABLE drop_log (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        direction TEXT NOT NULL,
        kind TEXT NOT NULL,
        windows_name TEXT NOT NULL,
        windows_code INTEGER NOT NULL,
        linux_counter TEXT NOT NULL,
        stage TEXT NOT NULL,
        spi TEXT,
        sa TEXT,
        peer TEXT,
        cause TEXT,
        reason TEXT NOT NULL,
        summary TEXT NOT NULL,
        evidence TEXT NOT NULL,
        next_step TEXT NOT NULL,
        repeats INTEGER NOT NULL DEFAULT 1
      );
      CREATE INDEX drop_log_at ON drop_log (at);
      CREATE INDEX drop_log_spi ON drop_log (spi);
      CREATE INDEX drop_log_code ON drop_log (windows_code);
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

function tableNames(db: Database): string[] {
  const rows = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
  return rows.map((r) => r.name);
}

function currentVersion(db: Database, dbPath: string): number {
  const tables = tableNames(db);
  if (!tables.includes('schema_version')) {
    if (tables.length > 0) throw corruptStore(dbPath, `not an ipsec-ts state store: it has tables ${tables.join(', ')} but no schema_version`);
    db.exec('CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    return 0;
  }
  const row = db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number | null };
  return row.v ?? 0;
}

/** Brings the schema up to SCHEMA_VERSION. Call inside a write transaction. */
export function migrate(db: Database, dbPath: string, now: number): void {
  const from = currentVersion(db, dbPath);
  if (from > SCHEMA_VERSION) throw newerSchemaStore(dbPath, from, SCHEMA_VERSION);
  const record = db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)');
  for (const m of MIGRATIONS) {
    if (m.version <= from) continue;
    db.exec(m.sql);
    record.run(m.version, now);
  }
}
