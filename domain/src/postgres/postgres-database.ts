import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { StorageUnavailable } from './storage-unavailable.ts';

export interface PostgresMigration {
  /** Unique and never reused: applied ids are recorded in `schema_migrations`. */
  id: string;
  up(db: PostgresDatabase): Promise<unknown>;
}

export interface PostgresOptions {
  /** `postgres://user@host:port/database` */
  url: string;
  /** Connections this process may hold at most: the pool is bounded, a burst queues briefly. */
  poolMax?: number;
  /** How long a connection, a free pool slot or a statement may take before the request fails with 503. */
  timeoutMs?: number;
  /** Applied in order at open, once across every replica starting together (an advisory lock). */
  migrations: readonly PostgresMigration[];
  /** Names the lock, so services sharing a server by mistake still migrate independently. */
  name: string;
}

export type Row = Record<string, unknown>;

/**
 * One service's PostgreSQL database. Queries run on the transaction of the caller when there is
 * one (AsyncLocalStorage carries it), so repository functions compose into one transaction
 * without passing a client around, as the SQLite ones do with savepoints.
 */
export interface PostgresDatabase {
  query<R extends Row = Row>(text: string, values?: readonly unknown[]): Promise<R[]>;
  /** Runs `work` in one transaction (a savepoint when already inside one); any error rolls it back. */
  transaction<T>(work: () => Promise<T>): Promise<T>;
  /** Runs `work` in a transaction that is always rolled back: the dry run of a write. */
  rolledBack<T>(work: () => Promise<T>): Promise<T>;
  /** True while the server answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

// Connection-level failures and timeouts: the database is down or too slow, not the request wrong.
const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
]);
function isUnavailable(error: unknown): boolean {
  const { code, message } = error as { code?: string; message?: string };
  if (code && (unavailableCodes.has(code) || /^(08|53|57)/.test(code))) return true;
  return /timeout|terminated|Connection ended|not queryable/i.test(message ?? '');
}

function translate(error: unknown): unknown {
  return isUnavailable(error) ? new StorageUnavailable(error) : error;
}

// Milliseconds and counts are BIGINT; they stay far below 2^53, so plain numbers are exact.
pg.types.setTypeParser(pg.types.builtins.INT8, Number);

let savepoints = 0;
const rollback = Symbol('dry run');

export async function openPostgres(options: PostgresOptions): Promise<PostgresDatabase> {
  const timeout = options.timeoutMs ?? 2000;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax ?? 10,
    connectionTimeoutMillis: timeout,
    // Server-side, so a slow statement is cancelled there and its transaction rolled back.
    statement_timeout: timeout,
    lock_timeout: timeout,
    idle_in_transaction_session_timeout: timeout * 5,
    query_timeout: timeout + 500,
  });
  // An idle client losing its server is not a crash: the next query reconnects or fails with 503.
  pool.on('error', () => {});
  const current = new AsyncLocalStorage<pg.PoolClient>();

  async function run<R extends Row>(
    client: pg.Pool | pg.PoolClient,
    text: string,
    values?: readonly unknown[],
  ) {
    try {
      return (await client.query<R>(text, values as unknown[])).rows;
    } catch (error) {
      throw translate(error);
    }
  }

  async function outermost<T>(work: () => Promise<T>, commit: boolean): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw translate(error);
    }
    let broken: unknown;
    try {
      await run(client, 'BEGIN');
      const result = await current.run(client, work);
      await run(client, commit ? 'COMMIT' : 'ROLLBACK');
      return result;
    } catch (error) {
      // Unknown state after a failure: drop the connection and the server rolls back for us.
      broken = error;
      throw error;
    } finally {
      client.release(broken === undefined ? undefined : true);
    }
  }

  const db: PostgresDatabase = {
    query: (text, values) => run(current.getStore() ?? pool, text, values),
    async transaction(work) {
      const client = current.getStore();
      if (!client) return outermost(work, true);
      const name = `sp_${++savepoints}`;
      await run(client, `SAVEPOINT ${name}`);
      try {
        const result = await work();
        await run(client, `RELEASE SAVEPOINT ${name}`);
        return result;
      } catch (error) {
        await run(client, `ROLLBACK TO SAVEPOINT ${name}`);
        throw error;
      }
    },
    async rolledBack(work) {
      let result: Awaited<ReturnType<typeof work>> | undefined;
      try {
        await db.transaction(async () => {
          result = await work();
          throw rollback;
        });
      } catch (error) {
        if (error !== rollback) throw error;
      }
      return result as Awaited<ReturnType<typeof work>>;
    },
    async ping() {
      try {
        await run(pool, 'SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
    close: () => pool.end(),
  };
  await migrate(db, pool, options);
  return db;
}

/**
 * Applies what is missing, each migration in its own transaction, holding a session advisory
 * lock: replicas starting together queue on the lock, and the later ones find nothing left to do.
 */
async function migrate(db: PostgresDatabase, pool: pg.Pool, options: PostgresOptions) {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw translate(error);
  }
  try {
    // The lock wait is not bounded by the statement timeout: a long migration elsewhere is fine.
    await client.query('SET statement_timeout = 0');
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`fig-migrations:${options.name}`]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())',
    );
    const applied = new Set(
      (await client.query('SELECT id FROM schema_migrations')).rows.map((row) => row.id),
    );
    for (const migration of options.migrations) {
      if (applied.has(migration.id)) continue;
      await client.query('BEGIN');
      try {
        await migration.up({
          ...db,
          query: async (text, values) => (await client.query(text, values as unknown[])).rows,
        });
        await client.query('INSERT INTO schema_migrations (id) VALUES ($1)', [migration.id]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`fig-migrations:${options.name}`]);
  } finally {
    client.release(true);
  }
}
