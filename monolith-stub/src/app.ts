import { createServer } from '@fig/platform';
import { createBackendAuthenticator } from '@fig/platform/auth/backend-auth';
import { devServiceClients, type ServiceClient } from '@fig/platform/auth/dev-service-clients';
import { openApi } from '@fig/platform/openapi';
import {
  cartRoutes,
  checkoutRoutes,
  type Clock,
  inventoryRoutes,
  openDatabase,
  paymentRoutes,
} from '@fig/domain';
import { openKeystore } from './auth/keystore.ts';
import { clientCredentialsRoutes } from './auth/client-credentials.ts';
import { ownKeyStore } from './auth/own-key-store.ts';
import { authRoutes } from './auth/routes.ts';
import { createTokens } from './auth/tokens.ts';
import { createDomainModules } from './domain-modules.ts';
import { delegateStock } from './stock/delegate-stock.ts';
import { stockHoldMigrations } from './stock/stock-holds.ts';
import { legacyGraphql } from './graphql/plugin.ts';
import { consumeOrderEvents } from './order-events.ts';
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
  /** Who may get service tokens from `POST /auth/token`; default the local stack's services. */
  serviceClients?: ServiceClient[];
  /** The inventory service, once it is the system of record for stock (docs/data-consistency.md). */
  inventoryService?: { url: string; internalUrl: string; holdSeconds: number; syncIntervalMs: number };
  clock?: Clock;
  /** Where `checkout.order_created.v1` is read from; without it the monolith learns orders only by PUT. */
  redisUrl?: string;
}

// Where a stale Authorization header must not lock a client out of logging in again.
const publicPaths = /^\/(auth\/|\.well-known\/|health\/|metrics(\?|$))/;

/** The legacy monolith: the whole domain API, the dev identity provider and the legacy subgraph. */
export async function buildApp(options: MonolithOptions) {
  const issuer = options.issuer ?? 'http://127.0.0.1:3000';
  const tokenTtlSeconds = options.tokenTtlSeconds ?? 3600;
  const clock = options.clock;

  const db = openDatabase(options.dataDir, { name: 'monolith', migrations: stockHoldMigrations });
  const keystore = await openKeystore({ dataDir: options.dataDir, tokenTtlSeconds, clock });
  const audience = options.audience ?? 'fig';
  const tokens = createTokens(keystore, { issuer, audience, ttlSeconds: tokenTtlSeconds });
  // No verified-token cache: the identity provider's own checks follow its keystore exactly, so
  // a key withdrawn from the JWKS stops its tokens here at once.
  const authenticator = createBackendAuthenticator({
    issuer,
    audience,
    keys: ownKeyStore(keystore),
    cacheEntries: 0,
  });
  const domain = createDomainModules(db, { clock });
  const { catalog, inventory, carts, payments, orders, users } = domain;

  // Every caller is who a token verified here says, whichever way it reached either port.
  const app = createServer({
    service: 'monolith',
    logLevel: options.logLevel,
    internal: true,
    callerAuth: { authenticator, publicPaths },
  });
  app.observability.readiness.set('database', () => db.prepare('SELECT 1 AS ok').get()?.ok === 1);
  const orderEvents = options.redisUrl
    ? consumeOrderEvents({
        db,
        orders,
        redisUrl: options.redisUrl,
        logger: app.log,
        registry: app.observability.registry,
      })
    : undefined;
  app.addHook('onClose', async () => {
    await orderEvents?.stop(); // the entry in flight commits before its database closes
    db.close();
  });
  // Stock writes go to the inventory service when it is the system of record; reads of the
  // catalog and the legacy subgraph keep using this side's copy, which follows it.
  const delegated = options.inventoryService
    ? delegateStock(app, db, { ...domain, service: options.inventoryService, tokens })
    : undefined;
  const stockRoutes = delegated?.inventory ?? inventory;
  const { placeOrder, previewOrder } = delegated ?? domain;

  const latency = { latencyMs: options.latencyMs ?? 0, checkoutLatencyMs: options.checkoutLatencyMs ?? 0 };
  await app.register(openApi, { title: 'Fig legacy monolith' });
  await app.register(legacyLatency, latency);
  await app.register(authRoutes, { users, tokens, keystore, issuer });
  await app.register(clientCredentialsRoutes, {
    clients: options.serviceClients ?? devServiceClients,
    tokens,
  });
  await app.register(catalogRoutes, { catalog, inventory });
  await app.register(userRoutes, { users });
  await app.register(orderRoutes, { orders });
  await app.register(inventoryRoutes, { inventory: stockRoutes });
  await app.register(cartRoutes, { carts });
  await app.register(checkoutRoutes, { placeOrder, previewOrder });
  await app.register(paymentRoutes, { payments });
  // Fig's own parts only, on the internal listener: the public port has no such routes at all.
  await app.internal.register(legacyLatency, latency);
  await app.internal.register(internalRoutes, { orders, keystore, internalToken: options.internalToken });
  await app.internal.register(legacyGraphql, domain);
  return app;
}
