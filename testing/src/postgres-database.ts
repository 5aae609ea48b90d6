import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';

/** The server tests use: trust auth as `postgres` on the standard port, unless TEST_POSTGRES_URL says otherwise. */
export const testPostgresUrl = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  readonly name: string;
  /** The database's own URL, for DATABASE_URL. */
  readonly url: string;
  /** Rows of a query, for a test's checks on what was stored. */
  query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>;
  /** Drops it, closing whatever still holds a connection to it. */
  drop(): Promise<void>;
}

async function onServer<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testPostgresUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database with a name of its own (`fig_test_<label>_<random>`), on the test server. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = `fig_test_${label.replace(/\W/g, '_')}_${randomBytes(4).toString('hex')}`;
  await onServer((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(testPostgresUrl);
  url.pathname = `/${name}`;
  // One client, not a pool: a pool's end() resolves before its sockets close, and the drop
  // below would then kill a closing connection whose error nobody listens for.
  let connected: Promise<pg.Client> | undefined;
  const client = () =>
    (connected ??= (async () => {
      const one = new pg.Client({ connectionString: url.href });
      one.on('error', () => {}); // the drop ends it; its queries still reject on their own
      await one.connect();
      return one;
    })());
  return {
    name,
    url: url.href,
    query: async (text, values) => (await (await client()).query(text, values)).rows,
    drop: async () => {
      if (connected) await (await connected).end();
      await onServer((server) => server.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** One fresh database per label for the enclosing suite, created before its tests and dropped after. */
export function postgresPerSuite<Label extends string>(...labels: Label[]): Record<Label, TestDatabase> {
  const databases = {} as Record<Label, TestDatabase>;
  beforeAll(async () => {
    for (const label of labels) databases[label] = await createTestDatabase(label);
  });
  afterAll(async () => {
    await Promise.all(Object.values<TestDatabase>(databases).map((database) => database.drop()));
  });
  return databases;
}
