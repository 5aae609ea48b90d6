import type { DatabaseSync } from 'node:sqlite';
import type { FigEvent, OutboxEntry, OutboxSource } from '@fig/platform/events';
import { inTransaction } from '../transaction.ts';

export interface SqliteOutbox {
  /** What the relay reads (startOutboxRelay's `source`). */
  source: OutboxSource;
  /**
   * Adds the event to the outbox. Synchronous: call it inside the caller's transaction
   * (inTransaction), so the event exists exactly when the change it describes does.
   */
  append(event: FigEvent): void;
}

/** The outbox of a node:sqlite database (tables from the `outbox-1` migration). */
export function createSqliteOutbox(db: DatabaseSync): SqliteOutbox {
  const insert = db.prepare(
    'INSERT INTO outbox (event_id, event_type, event, created_at) VALUES (?, ?, ?, ?)',
  );
  const pending = db.prepare(
    'SELECT sequence, event FROM outbox WHERE published_at IS NULL ORDER BY sequence LIMIT ?',
  );
  const markOne = db.prepare(
    'UPDATE outbox SET published_at = ? WHERE sequence = ? AND published_at IS NULL',
  );

  return {
    append(event) {
      insert.run(event.event_id, event.event_type, JSON.stringify(event), event.timestamp);
    },
    source: {
      async unpublished(limit) {
        return pending.all(limit).map((row): OutboxEntry => ({
          sequence: String(row.sequence),
          event: JSON.parse(row.event as string),
        }));
      },
      async markPublished(sequences) {
        const now = new Date().toISOString();
        inTransaction(db, () => {
          for (const sequence of sequences) markOne.run(now, Number(sequence));
        });
      },
    },
  };
}
