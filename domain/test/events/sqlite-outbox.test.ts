import { applyOnce, createSqliteOutbox } from '@fig/domain/events';
import { openDatabase } from '@fig/domain/database';
import { inTransaction } from '@fig/domain/transaction';
import { newEvent } from '@fig/platform/events';
import { scratchDirPerSuite } from '@fig/testing/scratch-dir';
import { afterAll, describe, expect, it } from 'vitest';

describe('the node:sqlite outbox and apply-once', () => {
  const dir = scratchDirPerSuite('fig-sqlite-outbox-');
  const db = openDatabase(dir, { name: 'outbox' });
  afterAll(() => db.close());

  it('comes with the domain migrations as outbox-1', () => {
    const ids = db
      .prepare('SELECT id FROM schema_migrations')
      .all()
      .map((row) => row.id);
    expect(ids).toContain('outbox-1');
  });

  it('hands out unpublished entries oldest first and marks them idempotently', async () => {
    const { append, source } = createSqliteOutbox(db);
    const events = [1, 2, 3].map((n) => newEvent('test.numbered.v1', { n }));
    inTransaction(db, () => events.forEach(append));
    const waiting = await source.unpublished(2);
    expect(waiting.map((entry) => entry.event)).toEqual(events.slice(0, 2));
    await source.markPublished(waiting.map((entry) => entry.sequence));
    await source.markPublished(waiting.map((entry) => entry.sequence));
    expect((await source.unpublished(10)).map((entry) => entry.event)).toEqual([events[2]]);
    await source.markPublished((await source.unpublished(10)).map((entry) => entry.sequence));
    expect(await source.unpublished(10)).toEqual([]);
  });

  it('runs a change once per event id, and not at all when the change fails', () => {
    db.exec('CREATE TABLE counted (n INTEGER NOT NULL)');
    const count = () => db.prepare('SELECT COUNT(*) AS n FROM counted').get()!.n;
    const insert = () => db.prepare('INSERT INTO counted (n) VALUES (1)').run();
    expect(() =>
      applyOnce(db, 'evt_failing_first', () => {
        insert();
        throw new Error('the change failed');
      }),
    ).toThrow('the change failed');
    expect(count()).toBe(0); // rolled back with its id: the next delivery tries again
    expect(applyOnce(db, 'evt_failing_first', insert)).toBe(true);
    expect(applyOnce(db, 'evt_failing_first', insert)).toBe(false);
    expect(count()).toBe(1);
  });
});
