import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresPerSuite } from '@fig/testing/postgres-database';
import { openPostgres, type PostgresDatabase } from '../src/postgres/postgres-database.ts';
import type { FigEvent } from '@fig/platform/events';
import { createPostgresOutbox } from '../src/postgres/postgres-outbox.ts';
import { postgresDomainMigrations } from '../src/postgres/postgres-schema.ts';

// The outbox as the event relay reads it, on a real PostgreSQL database of this run's own.
const databases = postgresPerSuite('outbox');
let db: PostgresDatabase;

beforeAll(async () => {
  db = await openPostgres({
    url: databases.outbox.url,
    name: 'outbox',
    migrations: postgresDomainMigrations,
  });
});
afterAll(async () => db?.close());

const event = (n: number): FigEvent => ({
  event_id: `evt_${n}`,
  event_type: 'checkout.order_created.v1',
  timestamp: new Date(0).toISOString(),
  data: { order_id: `ord_${n}` },
  metadata: { trace_id: '1'.repeat(32), span_id: '2'.repeat(16) },
});

describe('the PostgreSQL outbox', () => {
  it('hands out what was committed, oldest first, and each entry until it is marked published', async () => {
    const outbox = createPostgresOutbox(db);
    for (const n of [1, 2, 3]) await db.transaction(() => outbox.append(event(n)));
    const first = await outbox.source.unpublished(2);
    expect(first.map((entry) => entry.event.event_id)).toEqual(['evt_1', 'evt_2']);
    await outbox.source.markPublished(first.map((entry) => entry.sequence));
    // Marking again (a second relay replica) changes nothing.
    await outbox.source.markPublished(first.map((entry) => entry.sequence));
    expect((await outbox.source.unpublished(10)).map((entry) => entry.event)).toEqual([event(3)]);
  });

  it('keeps no event whose transaction rolled back', async () => {
    const outbox = createPostgresOutbox(db);
    await expect(
      db.transaction(async () => {
        await outbox.append(event(4));
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect((await outbox.source.unpublished(10)).map((entry) => entry.event.event_id)).not.toContain('evt_4');
  });

  it('refuses the same event id twice', async () => {
    const outbox = createPostgresOutbox(db);
    await expect(db.transaction(() => outbox.append(event(3)))).rejects.toThrow(/duplicate key/);
  });
});
