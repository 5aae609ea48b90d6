import { createPayments } from '@fig/domain/payments';
import { createPostgresPayments } from '@fig/domain/postgres/payments';
import type { PaymentsRepository } from '@fig/domain/repositories';
import { paymentRoutes } from '@fig/domain/routes/payments';
import { runStoreService } from '@fig/domain/store-service-main';
import { paymentSubgraph } from './graphql/subgraph.ts';

/** Charges, refunds and their idempotency keys (docs/architecture.md §3.5 `payments`), over its own SQLite or PostgreSQL. */
await runStoreService<PaymentsRepository>(5002, 5102, {
  service: 'payment',
  createStore: createPayments,
  createPostgresStore: createPostgresPayments,
  routes: (scope, payments) => scope.register(paymentRoutes, { payments }),
  subgraph: (scope, payments, legacy) => scope.register(paymentSubgraph, { payments, legacy }),
});
