import type { StorageOptions } from './store-service.ts';

/** Where a service's data lives, from its environment (each service's README lists these). */
export interface DatabaseEnv {
  DATA_DIR: string;
  DATABASE_URL?: string;
  DATABASE_POOL_MAX: number;
  DATABASE_TIMEOUT_MS: number;
}

export const databaseEnvProperties = {
  // The embedded default: a SQLite file in this folder, or in memory.
  DATA_DIR: { type: 'string', minLength: 1, default: ':memory:' },
  // PostgreSQL instead (any number of replicas may share it); unset = SQLite under DATA_DIR.
  DATABASE_URL: { type: 'string', pattern: '^postgres(ql)?://' },
  // Connections one process holds at most; a replica count times this must fit max_connections.
  DATABASE_POOL_MAX: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
  // Connecting, waiting for a pooled connection and each statement: past it the request gets a 503.
  DATABASE_TIMEOUT_MS: { type: 'integer', minimum: 50, maximum: 60_000, default: 2000 },
} as const;

export function storageFromEnv(config: DatabaseEnv): StorageOptions {
  return {
    dataDir: config.DATA_DIR,
    databaseUrl: config.DATABASE_URL,
    databasePoolMax: config.DATABASE_POOL_MAX,
    databaseTimeoutMs: config.DATABASE_TIMEOUT_MS,
  };
}
