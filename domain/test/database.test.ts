import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/database.ts';
import type { Migration } from '../src/migrations.ts';
import { catalogSize } from '../src/seed.ts';
import { inTransaction } from '../src/transaction.ts';

describe('openDatabase', () => {
  const root = mkdtempSync(join(tmpdir(), 'fig-domain-db-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('creates the folder, uses WAL, seeds once and applies own migrations once', () => {
    let runs = 0;
    const own: Migration[] = [
      {
        id: 'test-001-notes',
        up: (db) => {
          runs++;
          db.exec('CREATE TABLE notes (text TEXT)');
        },
      },
    ];
    const dataDir = join(root, 'a', 'b');
    const first = openDatabase(dataDir, { name: 'svc', migrations: own });
    expect(first.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    first.prepare("INSERT INTO notes VALUES ('kept')").run();
    first.close();

    const second = openDatabase(dataDir, { name: 'svc', migrations: own });
    expect(runs).toBe(1);
    expect(second.prepare('SELECT COUNT(*) AS n FROM products').get()).toEqual({ n: catalogSize });
    expect(second.prepare('SELECT text FROM notes').all()).toEqual([{ text: 'kept' }]);
    second.close();
  });

  it('keeps an in-memory database per call', () => {
    const a = openDatabase(':memory:', { name: 'x' });
    const b = openDatabase(':memory:', { name: 'x' });
    a.exec("UPDATE stock SET on_hand = 0 WHERE sku = 'SKU-0001'");
    expect(b.prepare("SELECT on_hand FROM stock WHERE sku = 'SKU-0001'").get()!.on_hand).toBeGreaterThan(0);
  });
});

describe('inTransaction', () => {
  const db = openDatabase(':memory:', { name: 'tx' });
  const onHand = () =>
    db.prepare("SELECT on_hand FROM stock WHERE sku = 'SKU-0002'").get()!.on_hand as number;
  const take = db.prepare("UPDATE stock SET on_hand = on_hand - 1 WHERE sku = 'SKU-0002'");

  it('rolls back a failed inner step alone, and a failed outer step whole', () => {
    const start = onHand();
    inTransaction(db, () => {
      take.run();
      expect(() =>
        inTransaction(db, () => {
          take.run();
          throw new Error('inner refusal');
        }),
      ).toThrow('inner refusal');
    });
    expect(onHand()).toBe(start - 1);

    expect(() =>
      inTransaction(db, () => {
        take.run();
        inTransaction(db, () => take.run());
        throw new Error('outer refusal');
      }),
    ).toThrow('outer refusal');
    expect(onHand()).toBe(start - 1);
    expect(db.isTransaction).toBe(false);
  });
});
