import type { DatabaseSync } from 'node:sqlite';
import { inTransaction } from '../transaction.ts';

/**
 * Runs `change` once per event id: the id is recorded in `processed_events` in the same
 * transaction as the change, so a redelivered event (at-least-once streams) changes nothing,
 * and a change that fails leaves the id unrecorded for the next delivery. Returns whether it ran.
 */
export function applyOnce(db: DatabaseSync, eventId: string, change: () => void): boolean {
  return inTransaction(db, () => {
    const recorded = db
      .prepare('INSERT INTO processed_events (event_id, applied_at) VALUES (?, ?) ON CONFLICT DO NOTHING')
      .run(eventId, new Date().toISOString());
    if (recorded.changes === 0) return false;
    change();
    return true;
  });
}
