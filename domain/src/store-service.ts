import type { FastifyInstance } from 'fastify';
import type { DatabaseSync } from 'node:sqlite';
import type { Authenticator } from '@fig/platform/auth/authenticator';
import { openDatabase } from './database.ts';
import { addLegacyFallthrough } from './legacy-fallthrough.ts';
import { type LegacyRecords, legacyRecords } from './legacy-record.ts';
import { openApi } from '@fig/platform/openapi';
import { createServer } from '@fig/platform/server';

export interface StoreServiceOptions {
  /** Folder for `<service>.sqlite`, or `:memory:`. */
  dataDir: string;
  /** The monolith, which keeps answering for the records made there before the route moved. */
  monolithUrl?: string;
  logLevel?: string;
  /** Verifies the bearer tokens callers present; the only source of who is calling. */
  authenticator: Authenticator;
}

export interface StoreServiceParts<Store> {
  /** Its name, in logs and metrics, its database file `<service>.sqlite` and its OpenAPI title. */
  service: string;
  /** The table whose `id` says which records were made here rather than on the monolith. */
  ownedTable: string;
  createStore(db: DatabaseSync): Store;
  /** Its REST routes; an `:id` it does not own is answered by the monolith. */
  routes(scope: FastifyInstance, store: Store): PromiseLike<unknown>;
  /** Its subgraph; `legacy` reads the monolith's records when a monolith is configured. */
  subgraph(scope: FastifyInstance, store: Store, legacy: LegacyRecords | undefined): PromiseLike<unknown>;
}

/**
 * A service that took a slice of the domain over from the monolith: its own SQLite store,
 * REST and GraphQL over it, and the monolith still answering for records made before the move.
 */
export function buildStoreService<Store>(options: StoreServiceOptions, parts: StoreServiceParts<Store>) {
  // Callers are verified on both listeners: the subgraph resolves entities for their owner only.
  const app = createServer({
    service: parts.service,
    logLevel: options.logLevel,
    internal: true,
    callerAuth: { authenticator: options.authenticator },
  });
  const db = openDatabase(options.dataDir, { name: parts.service });
  const store = parts.createStore(db);
  app.observability.readiness.set('store', () => db.isOpen);
  app.addHook('onClose', async () => db.close());
  app.register(openApi, { title: `Fig ${parts.service} service` });
  const ownRecord = db.prepare(`SELECT 1 FROM ${parts.ownedTable} WHERE id = ?`);
  app.register(async (scope) => {
    if (options.monolithUrl) {
      addLegacyFallthrough(scope, {
        legacyUrl: options.monolithUrl,
        owns: (id) => ownRecord.get(id) !== undefined,
      });
    }
    await parts.routes(scope, store);
  });
  const legacy = options.monolithUrl ? legacyRecords({ legacyUrl: options.monolithUrl }) : undefined;
  if (legacy) app.addHook('onClose', async () => legacy.close());
  // The subgraph is for the BFFs: on the internal listener only.
  app.internal.register(async (scope) => {
    await parts.subgraph(scope, store, legacy);
  });
  return app;
}
