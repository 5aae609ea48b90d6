import type { FigEvent, OutboxSource } from '@fig/platform/events';
import type { PostgresDatabase } from './postgres-database.ts';

/**
 * The transactional outbox on PostgreSQL: `append` writes the event with the change it
 * describes (call it inside that change's transaction); the relay reads `source`. Replicas
 * relaying at once may publish an entry twice (at least once), never lose it.
 */
export function createPostgresOutbox(db: PostgresDatabase) {
  const source: OutboxSource = {
    async unpublished(limit) {
      const rows = await db.query<{ sequence: string; event: FigEvent }>(
        `SELECT sequence::text AS sequence, event FROM event_outbox
         WHERE published_at IS NULL ORDER BY sequence LIMIT $1`,
        [limit],
      );
      return rows.map(({ sequence, event }) => ({ sequence, event }));
    },
    async markPublished(sequences) {
      await db.query(
        'UPDATE event_outbox SET published_at = now() WHERE sequence = ANY($1::bigint[]) AND published_at IS NULL',
        [sequences],
      );
    },
  };
  return {
    source,
    async append(event: FigEvent): Promise<void> {
      await db.query('INSERT INTO event_outbox (event_id, event_type, event) VALUES ($1, $2, $3)', [
        event.event_id,
        event.event_type,
        JSON.stringify(event),
      ]);
    },
  };
}
