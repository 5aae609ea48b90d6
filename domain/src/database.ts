import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { domainMigrations, type Migration } from './migrations.ts';
import { inTransaction } from './transaction.ts';

export interface OpenDatabaseOptions {
  /** File name (without extension) inside the data folder, e.g. `monolith` -> monolith.sqlite. */
  name: string;
  /** A deployable's own migrations, applied after the domain's. */
  migrations?: readonly Migration[];
}

export const inMemory = ':memory:';

function migrate(db: DatabaseSync, migrations: readonly Migration[]) {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
  const applied = new Set(
    db
      .prepare('SELECT id FROM schema_migrations')
      .all()
      .map((row) => row.id as string),
  );
  const record = db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)');
  for (const migration of migrations) {
    if (applied.has(migration.id)) continue;
    inTransaction(db, () => {
      migration.up(db);
      record.run(migration.id, new Date().toISOString());
    });
  }
}

/**
 * Opens `<dataDir>/<name>.sqlite` (creating the folder when missing), or an in-memory
 * database for `:memory:`, and brings it up to date. WAL lets readers proceed while a
 * writer holds the lock; the busy timeout makes a second process wait rather than fail.
 */
export function openDatabase(dataDir: string, options: OpenDatabaseOptions): DatabaseSync {
  let location = inMemory;
  if (dataDir !== inMemory) {
    mkdirSync(dataDir, { recursive: true });
    location = join(dataDir, `${options.name}.sqlite`);
  }
  const db = new DatabaseSync(location);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA busy_timeout = 5000');
  db.exec('PRAGMA foreign_keys = ON');
  migrate(db, [...domainMigrations, ...(options.migrations ?? [])]);
  return db;
}
