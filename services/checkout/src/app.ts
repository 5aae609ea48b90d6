import type { FastifyRequest } from 'fastify';
import { createServer, sendError } from '@fig/platform';
import type { Authenticator } from '@fig/platform/auth/authenticator';
import type { ServiceTokens } from '@fig/platform/auth/service-tokens';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { isDryRun } from '@fig/domain/dry-run';
import { callerOf } from '@fig/domain/identity';
import { cartRoutes } from '@fig/domain/routes/carts';
import { checkoutRoutes } from '@fig/domain/routes/checkout';
import { startOutboxRelay } from '@fig/platform/events';
import { openApi } from '@fig/platform/openapi';
import { openStorage, type StorageOptions } from '@fig/domain/store-service';
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
import { postgresSagaMigrations, sagaMigrations } from './saga/saga-store.ts';
import { startLegacyOrderDelivery } from './outbox/legacy-order-delivery.ts';
import { createPostgresCheckoutStore } from './storage/postgres-checkout-store.ts';
import { createSqliteCheckoutStore } from './storage/sqlite-checkout-store.ts';

export interface CheckoutAppOptions extends StorageOptions {
  inventoryUrl: string;
  paymentUrl: string;
  /** The monolith's public REST (the carts it adopts). */
  monolithUrl: string;
  /** The monolith's internal listener, where orders are delivered from the outbox (`PUT /internal/orders`). */
  monolithInternalUrl: string;
  internalToken?: string;
  upstreamTimeoutMs?: number;
  breakerResetMs?: number;
  reservationTtlSeconds?: number;
  recoveryIntervalMs?: number;
  /** How long a replica holds a saga it drives before another may take it over. */
  sagaLeaseMs?: number;
  /**
   * The event streams: when set, the outbox is relayed to Redis (`checkout.order_created.v1`)
   * and the monolith reads it there; unset, orders are delivered over `PUT /internal/orders`.
   */
  redisUrl?: string;
  logLevel?: string;
  /** Verifies callers' bearer tokens: the only source of who is checking out. */
  authenticator: Authenticator;
  /** This service's own tokens, for its calls to inventory, payment and the monolith. */
  serviceTokens: ServiceTokens;
}

// Who holds a saga's lease: this process, unique across replicas and restarts.
const leaseOwner = () => `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

/** Carts and the checkout saga (docs/architecture.md §3.5 `carts`, `checkout`), over SQLite or PostgreSQL. */
export function buildApp(options: CheckoutAppOptions) {
  // Callers are verified on both listeners: the subgraph's checkout is a user's as much as REST's.
  const app = createServer({
    service: 'checkout',
    logLevel: options.logLevel,
    internal: true,
    callerAuth: { authenticator: options.authenticator },
  });
  const lease = { owner: leaseOwner(), ms: options.sagaLeaseMs ?? 30_000 };
  const opening = openStorage(
    { ...options, name: 'checkout' },
    (db) => createSqliteCheckoutStore(db, lease),
    (db) => createPostgresCheckoutStore(db, lease),
    { sqlite: sagaMigrations, postgres: postgresSagaMigrations },
  );
  // Settled before listening: a database that cannot be reached at start fails the start.
  opening.catch(() => {});
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
  let recovery: ReturnType<typeof startRecoveryLoop> | undefined;
  // The outbox's way out: the stream relay, or the PUT delivery without Redis. Either only ever
  // reads the outbox, so a checkout never waits on it (nor fails when Redis is down).
  let delivery: { wake(): void; stop(): Promise<void> } | undefined;
  let settled = false;

  const parts = opening.then(({ store }) => {
    registerSagaMetrics(app.observability.registry, store);
    const saga = createCheckoutSaga({
      store,
      inventory: createInventoryClient(inventoryUpstream),
      payment: createPaymentClient(paymentUpstream),
      reservationTtlSeconds: options.reservationTtlSeconds ?? 300,
      onOrder: () => delivery?.wake(),
      log: app.log,
    });
    const adoption = createCartAdoption({ store, monolith: monolithUpstream, log: app.log });
    return { store, saga, adoption, dryRunAdoption: createDryRunAdoption(adoption, store) };
  });
  parts.catch(() => {});

  app.addHook('onReady', async () => {
    const { store, saga } = await parts;
    recovery = startRecoveryLoop(saga, { intervalMs: options.recoveryIntervalMs ?? 5000, log: app.log });
    void recovery.firstPass.then(() => (settled = true));
    delivery = options.redisUrl
      ? startOutboxRelay({
          source: store.outbox,
          redisUrl: options.redisUrl,
          logger: app.log,
          registry: app.observability.registry,
        })
      : startLegacyOrderDelivery({
          source: store.outbox,
          order: store.order,
          monolith: createMonolithClient(monolithInternalUpstream, { internalToken: options.internalToken }),
          intervalMs: options.recoveryIntervalMs ?? 5000,
          log: app.log,
        });
  });
  app.addHook('onClose', async () => {
    await recovery?.stop();
    await delivery?.stop();
    await Promise.all(clients.map((client) => client.close()));
    await (await opening.catch(() => undefined))?.close();
  });

  trackRequestIds(app);
  trackRequestIds(app.internal);
  app.register(openApi, { title: 'Fig checkout service' });
  app.register(async (scope) => {
    const { store, saga, adoption, dryRunAdoption } = await parts;
    app.observability.readiness.set('store', store.ready);
    // Not ready before the first recovery pass: a saga a crash left behind still holds its cart.
    app.observability.readiness.set('saga-recovery', () => settled);
    dryRunAdoption.track(scope);
    const adoptRequestedCart = async (request: FastifyRequest) => {
      const id =
        (request.params as { id?: string }).id ?? (request.body as { cart_id?: string } | undefined)?.cart_id;
      if (typeof id !== 'string') return;
      // A dry run only reads the cart here; it is stored inside the dry run's rolled-back transaction.
      if (isDryRun(request)) await dryRunAdoption.find(id, callerOf(request));
      else await adoption.adopt(id, callerOf(request));
    };
    // The dry runs of cart writes and of checkout see the cart a dry run found on the monolith.
    const rehearse = dryRunAdoption.rehearse;
    await scope.register(async (carts) => {
      carts.addHook('preHandler', adoptRequestedCart);
      await carts.register(cartRoutes, { carts: { ...store.carts, rehearse } });
    });
    await scope.register(async (checkout) => {
      checkout.addHook('preHandler', adoptRequestedCart);
      // The shared handler hides every 5xx as INTERNAL; this one is deliberate and tells the
      // client whether anything happened (see the README's saga section).
      checkout.setErrorHandler((error, _request, reply) => {
        if (!(error instanceof CheckoutUnavailable)) throw error;
        return sendError(reply.header('retry-after', '5'), error.statusCode, error.code, error.message);
      });
      await checkout.register(checkoutRoutes, {
        placeOrder: (input) => saga.placeOrder(input),
        previewOrder: (input) => rehearse(() => saga.previewOrder(input)),
      });
    });
  });
  // The subgraph is for the BFFs: on the internal listener only.
  app.internal.register(async (scope) => {
    const { store, saga, adoption } = await parts;
    await scope.register(checkoutSubgraph, {
      carts: store.carts,
      adopt: adoption.adopt,
      placeOrder: (input) => saga.placeOrder(input),
    });
  });
  return app;
}
