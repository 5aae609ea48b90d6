import type { DatabaseSync } from 'node:sqlite';

let savepoints = 0;

/**
 * Runs `work` atomically. The outermost call takes the write lock up front (BEGIN IMMEDIATE),
 * so a read-check-write sequence can never interleave with another writer; nested calls use
 * savepoints, so a checkout can compose reserve + charge + record and still roll back whole.
 */
export function inTransaction<T>(db: DatabaseSync, work: () => T): T {
  if (db.isTransaction) {
    const name = `sp_${++savepoints}`;
    db.exec(`SAVEPOINT ${name}`);
    try {
      const result = work();
      db.exec(`RELEASE ${name}`);
      return result;
    } catch (error) {
      db.exec(`ROLLBACK TO ${name}`);
      db.exec(`RELEASE ${name}`);
      throw error;
    }
  }
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}
