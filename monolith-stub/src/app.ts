import { createServer } from '@fig/common';
import { openApi } from '@fig/common/openapi';
import {
  cartRoutes,
  checkoutRoutes,
  type Clock,
  inventoryRoutes,
  openDatabase,
  paymentRoutes,
} from '@fig/common/domain/index';
import { openKeystore } from './auth/keystore.ts';
import { authRoutes } from './auth/routes.ts';
import { createTokens } from './auth/tokens.ts';
import { createDomainModules } from './domain-modules.ts';
import { legacyGraphql } from './graphql/plugin.ts';
import { identity } from './plugins/identity.ts';
import { legacyLatency } from './plugins/latency.ts';
import { catalogRoutes } from './routes/catalog.ts';
import { internalRoutes } from './routes/internal.ts';
import { orderRoutes } from './routes/orders.ts';
import { userRoutes } from './routes/users.ts';

export interface MonolithOptions {
  /** Folder for the SQLite file and the signing keys; `:memory:` for neither on disk. */
  dataDir: string;
  logLevel?: string;
  issuer?: string;
  audience?: string;
  tokenTtlSeconds?: number;
  latencyMs?: number;
  checkoutLatencyMs?: number;
  internalToken?: string;
  clock?: Clock;
}

/** The legacy monolith: the whole domain API, the dev identity provider and the legacy subgraph. */
export async function buildApp(options: MonolithOptions) {
  const issuer = options.issuer ?? 'http://127.0.0.1:3000';
  const tokenTtlSeconds = options.tokenTtlSeconds ?? 3600;
  const clock = options.clock;

  const db = openDatabase(options.dataDir, { name: 'monolith' });
  const keystore = await openKeystore({ dataDir: options.dataDir, tokenTtlSeconds, clock });
  const tokens = createTokens(keystore, {
    issuer,
    audience: options.audience ?? 'fig',
    ttlSeconds: tokenTtlSeconds,
  });
  const domain = createDomainModules(db, { clock });
  const { catalog, inventory, carts, payments, orders, users, placeOrder } = domain;

  const app = createServer({ service: 'monolith', logLevel: options.logLevel });
  app.observability.readiness.set('database', () => db.prepare('SELECT 1 AS ok').get()?.ok === 1);
  app.addHook('onClose', async () => db.close());

  await app.register(openApi, { title: 'Fig legacy monolith' });
  await app.register(legacyLatency, {
    latencyMs: options.latencyMs ?? 0,
    checkoutLatencyMs: options.checkoutLatencyMs ?? 0,
  });
  await app.register(identity, { tokens });
  await app.register(authRoutes, { users, tokens, keystore, issuer });
  await app.register(catalogRoutes, { catalog, inventory });
  await app.register(userRoutes, { users });
  await app.register(orderRoutes, { orders });
  await app.register(inventoryRoutes, { inventory });
  await app.register(cartRoutes, { carts });
  await app.register(checkoutRoutes, { placeOrder });
  await app.register(paymentRoutes, { payments });
  await app.register(internalRoutes, { orders, keystore, internalToken: options.internalToken });
  await app.register(legacyGraphql, domain);
  return app;
}
