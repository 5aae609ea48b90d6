import type { FastifyRequest } from 'fastify';
import { createServer, sendError } from '@fig/platform';
import type { Authenticator } from '@fig/platform/auth/authenticator';
import type { ServiceTokens } from '@fig/platform/auth/service-tokens';
import { createCarts } from '@fig/domain/carts';
import { openDatabase } from '@fig/domain/database';
import { isDryRun } from '@fig/domain/dry-run';
import { callerOf } from '@fig/domain/identity';
import { createOrders } from '@fig/domain/orders';
import { cartRoutes } from '@fig/domain/routes/carts';
import { checkoutRoutes } from '@fig/domain/routes/checkout';
import { openApi } from '@fig/platform/openapi';
import { createCartAdoption } from './carts/adopt-carts.ts';
import { createDryRunAdoption } from './carts/dry-run-adoption.ts';
import { createInventoryClient } from './clients/inventory-client.ts';
import { createMonolithClient } from './clients/monolith-client.ts';
import { createPaymentClient } from './clients/payment-client.ts';
import { createUpstreamClient } from './clients/upstream-client.ts';
import { checkoutSubgraph } from './graphql/subgraph.ts';
import { trackRequestIds } from './request-id-context.ts';
import { CheckoutUnavailable, createCheckoutSaga } from './saga/checkout-saga.ts';
import { startRecoveryLoop } from './saga/recovery-loop.ts';
import { registerSagaMetrics } from './saga/saga-metrics.ts';
import { createSagaStore, sagaMigrations } from './saga/saga-store.ts';

export interface CheckoutAppOptions {
  /** Folder for checkout.sqlite, or `:memory:`. */
  dataDir: string;
  inventoryUrl: string;
  paymentUrl: string;
  /** The monolith's public REST (the carts it adopts). */
  monolithUrl: string;
  /** The monolith's internal listener, where the saga records each order (`PUT /internal/orders`). */
  monolithInternalUrl: string;
  internalToken?: string;
  upstreamTimeoutMs?: number;
  breakerResetMs?: number;
  reservationTtlSeconds?: number;
  recoveryIntervalMs?: number;
  logLevel?: string;
  /** Verifies callers' bearer tokens: the only source of who is checking out. */
  authenticator: Authenticator;
  /** This service's own tokens, for its calls to inventory, payment and the monolith. */
  serviceTokens: ServiceTokens;
}

/** Carts and the checkout saga (docs/architecture.md §3.5 `carts`, `checkout`), over its own SQLite. */
export function buildApp(options: CheckoutAppOptions) {
  // Callers are verified on both listeners: the subgraph's checkout is a user's as much as REST's.
  const app = createServer({
    service: 'checkout',
    logLevel: options.logLevel,
    internal: true,
    callerAuth: { authenticator: options.authenticator },
  });
  const db = openDatabase(options.dataDir, { name: 'checkout', migrations: sagaMigrations });
  const carts = createCarts(db);
  const orders = createOrders(db);
  const store = createSagaStore(db);
  registerSagaMetrics(app.observability.registry, store);
  const upstream = (name: string, baseUrl: string) =>
    createUpstreamClient({
      name,
      baseUrl,
      timeoutMs: options.upstreamTimeoutMs ?? 2000,
      breakerResetMs: options.breakerResetMs,
      registry: app.observability.registry,
      credentials: options.serviceTokens,
    });
  const clients = [
    upstream('inventory', options.inventoryUrl),
    upstream('payment', options.paymentUrl),
    upstream('monolith', options.monolithUrl),
    upstream('monolith-internal', options.monolithInternalUrl),
  ];
  const [inventoryUpstream, paymentUpstream, monolithUpstream, monolithInternalUpstream] = clients;
  const saga = createCheckoutSaga({
    db,
    store,
    carts,
    orders,
    inventory: createInventoryClient(inventoryUpstream),
    payment: createPaymentClient(paymentUpstream),
    monolith: createMonolithClient(monolithInternalUpstream, { internalToken: options.internalToken }),
    reservationTtlSeconds: options.reservationTtlSeconds ?? 300,
    log: app.log,
  });
  const adoption = createCartAdoption({ db, monolith: monolithUpstream, log: app.log });
  const dryRunAdoption = createDryRunAdoption(adoption);
  const adoptRequestedCart = async (request: FastifyRequest) => {
    const id =
      (request.params as { id?: string }).id ?? (request.body as { cart_id?: string } | undefined)?.cart_id;
    if (typeof id !== 'string') return;
    // A dry run only reads the cart here; it is stored inside the dry run's rolled-back transaction.
    if (isDryRun(request)) await dryRunAdoption.find(id, callerOf(request));
    else await adoption.adopt(id, callerOf(request));
  };
  // The dry runs of cart writes and of checkout see the cart a dry run found on the monolith.
  const rehearse = dryRunAdoption.rehearse(carts.rehearse);
  let recovery: ReturnType<typeof startRecoveryLoop> | undefined;
  let settled = false;

  app.observability.readiness.set('store', () => db.isOpen);
  // Not ready before the first recovery pass: a saga a crash left behind still holds its cart.
  app.observability.readiness.set('saga-recovery', () => settled);
  app.addHook('onReady', async () => {
    recovery = startRecoveryLoop(saga, { intervalMs: options.recoveryIntervalMs ?? 5000, log: app.log });
    void recovery.firstPass.then(() => (settled = true));
  });
  app.addHook('onClose', async () => {
    await recovery?.stop();
    await Promise.all(clients.map((client) => client.close()));
    db.close();
  });

  trackRequestIds(app);
  trackRequestIds(app.internal);
  dryRunAdoption.track(app);
  app.register(openApi, { title: 'Fig checkout service' });
  app.register(async (scope) => {
    scope.addHook('preHandler', adoptRequestedCart);
    await scope.register(cartRoutes, { carts: { ...carts, rehearse } });
  });
  app.register(async (scope) => {
    scope.addHook('preHandler', adoptRequestedCart);
    // The shared handler hides every 5xx as INTERNAL; this one is deliberate and tells the
    // client whether anything happened (see the README's saga section).
    scope.setErrorHandler((error, _request, reply) => {
      if (!(error instanceof CheckoutUnavailable)) throw error;
      return sendError(reply.header('retry-after', '5'), error.statusCode, error.code, error.message);
    });
    await scope.register(checkoutRoutes, {
      placeOrder: (input) => saga.placeOrder(input),
      previewOrder: (input) => rehearse(() => saga.previewOrder(input)),
    });
  });
  // The subgraph is for the BFFs: on the internal listener only.
  app.internal.register(checkoutSubgraph, {
    carts,
    adopt: adoption.adopt,
    placeOrder: (input) => saga.placeOrder(input),
  });
  return app;
}
