import { createPayments } from '@fig/domain/payments';
import { paymentRoutes } from '@fig/domain/routes/payments';
import { buildStoreService, type StoreServiceOptions } from '@fig/domain/store-service';
import { paymentSubgraph } from './graphql/subgraph.ts';

export type PaymentAppOptions = StoreServiceOptions;

/** Charges, refunds and their idempotency keys (docs/architecture.md §3.5 `payments`), over its own SQLite. */
export function buildApp(options: PaymentAppOptions) {
  return buildStoreService(options, {
    service: 'payment',
    title: 'Fig payment service',
    ownedTable: 'payments',
    createStore: createPayments,
    routes: (scope, payments) => scope.register(paymentRoutes, { payments }),
    subgraph: (scope, payments, legacy) => scope.register(paymentSubgraph, { payments, legacy }),
  });
}
