import type { Migration } from '../migrations.ts';

/**
 * `outbox`: events written in the same transaction as the change they describe, until the relay
 * has appended them to their stream. `processed_events`: the event ids a consumer has applied,
 * written in the same transaction as the change the event caused, so none applies twice.
 */
export const eventTablesMigration: Migration = {
  id: 'outbox-1',
  up: (db) =>
    db.exec(`
CREATE TABLE outbox (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL UNIQUE,
  event_type TEXT NOT NULL,
  event TEXT NOT NULL,
  created_at TEXT NOT NULL,
  published_at TEXT
);
CREATE INDEX outbox_unpublished ON outbox (sequence) WHERE published_at IS NULL;
CREATE TABLE processed_events (
  event_id TEXT PRIMARY KEY,
  applied_at TEXT NOT NULL
);
`),
};
