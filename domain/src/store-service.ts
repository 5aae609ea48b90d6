import type { FastifyInstance } from 'fastify';
import type { DatabaseSync } from 'node:sqlite';
import type { Authenticator } from '@fig/platform/auth/authenticator';
import { openDatabase } from './database.ts';
import { addLegacyFallthrough } from './legacy-fallthrough.ts';
import { type LegacyRecords, legacyRecords } from './legacy-record.ts';
import { openPostgres, type PostgresDatabase } from './postgres/postgres-database.ts';
import { postgresDomainMigrations } from './postgres/postgres-schema.ts';
import type { Awaitable } from './repositories.ts';
import { openApi } from '@fig/platform/openapi';
import { createServer } from '@fig/platform/server';

/** Where a service keeps its data: PostgreSQL when `url` is given, else SQLite under `dataDir`. */
export interface StorageOptions {
  /** Folder for `<service>.sqlite`, or `:memory:`. */
  dataDir: string;
  /** `postgres://…`: the data lives there instead, shared by every replica. */
  databaseUrl?: string;
  databasePoolMax?: number;
  databaseTimeoutMs?: number;
}

export interface StoreServiceOptions extends StorageOptions {
  /** The monolith, which keeps answering for the records made there before the route moved. */
  monolithUrl?: string;
  logLevel?: string;
  /** Verifies the bearer tokens callers present; the only source of who is calling. */
  authenticator: Authenticator;
}

export interface StoreServiceParts<Store extends { owns(id: string): Awaitable<boolean> }> {
  /** Its name, in logs and metrics, its database file `<service>.sqlite` and its OpenAPI title. */
  service: string;
  createStore(db: DatabaseSync): Store;
  createPostgresStore(db: PostgresDatabase): Store;
  /** Its REST routes; an `:id` it does not own (`store.owns`) is answered by the monolith. */
  routes(scope: FastifyInstance, store: Store): PromiseLike<unknown>;
  /** Routes for Fig's own parts, on the internal listener. */
  internalRoutes?(scope: FastifyInstance, store: Store): PromiseLike<unknown>;
  /** Its subgraph; `legacy` reads the monolith's records when a monolith is configured. */
  subgraph(scope: FastifyInstance, store: Store, legacy: LegacyRecords | undefined): PromiseLike<unknown>;
}

/** A service's database, either kind, with its readiness check and its closing. */
export interface OpenedStorage<Store> {
  store: Store;
  ready(): Awaitable<boolean>;
  close(): Promise<void>;
}

/** Opens PostgreSQL (migrated under an advisory lock) or the embedded SQLite file, per `options`. */
export async function openStorage<Store>(
  options: StorageOptions & { name: string },
  sqlite: (db: DatabaseSync) => Store,
  postgres: (db: PostgresDatabase) => Store,
  extra: {
    sqlite?: Parameters<typeof openDatabase>[1]['migrations'];
    postgres?: Parameters<typeof openPostgres>[0]['migrations'];
  } = {},
): Promise<OpenedStorage<Store>> {
  if (options.databaseUrl) {
    const db = await openPostgres({
      url: options.databaseUrl,
      name: options.name,
      poolMax: options.databasePoolMax,
      timeoutMs: options.databaseTimeoutMs,
      migrations: [...postgresDomainMigrations, ...(extra.postgres ?? [])],
    });
    return { store: postgres(db), ready: () => db.ping(), close: () => db.close() };
  }
  const db = openDatabase(options.dataDir, { name: options.name, migrations: extra.sqlite });
  return { store: sqlite(db), ready: () => db.isOpen, close: async () => db.close() };
}

/**
 * A service that took a slice of the domain over from the monolith: its own store (SQLite or
 * PostgreSQL), REST and GraphQL over it, and the monolith still answering for records made
 * before the move.
 */
export function buildStoreService<Store extends { owns(id: string): Awaitable<boolean> }>(
  options: StoreServiceOptions,
  parts: StoreServiceParts<Store>,
) {
  // Callers are verified on both listeners: the subgraph resolves entities for their owner only.
  const app = createServer({
    service: parts.service,
    logLevel: options.logLevel,
    internal: true,
    callerAuth: { authenticator: options.authenticator },
  });
  const opening = openStorage(
    { ...options, name: parts.service },
    parts.createStore,
    parts.createPostgresStore,
  );
  // Settled before listening: a database that cannot be reached at start fails the start.
  opening.catch(() => {});
  app.addHook('onClose', async () => (await opening.catch(() => undefined))?.close());
  app.register(openApi, { title: `Fig ${parts.service} service` });
  app.register(async (scope) => {
    const storage = await opening;
    app.observability.readiness.set('store', storage.ready);
    if (options.monolithUrl) {
      addLegacyFallthrough(scope, { legacyUrl: options.monolithUrl, owns: (id) => storage.store.owns(id) });
    }
    await parts.routes(scope, storage.store);
  });
  const legacy = options.monolithUrl ? legacyRecords({ legacyUrl: options.monolithUrl }) : undefined;
  if (legacy) app.addHook('onClose', async () => legacy.close());
  // The subgraph is for the BFFs: on the internal listener only.
  app.internal.register(async (scope) => {
    const { store } = await opening;
    await parts.subgraph(scope, store, legacy);
    await parts.internalRoutes?.(scope, store);
  });
  return app;
}
