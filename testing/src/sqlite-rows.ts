import { DatabaseSync } from 'node:sqlite';

/**
 * Every table's rows in a deployable's SQLite file, read by a connection of its own (read-only),
 * so a test can show that a request kept nothing: compare before and after.
 */
export function everyRow(file: string): Record<string, unknown[]> {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const tables = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all()
      .map((row) => row.name as string);
    return Object.fromEntries(tables.map((table) => [table, db.prepare(`SELECT * FROM "${table}"`).all()]));
  } finally {
    db.close();
  }
}
