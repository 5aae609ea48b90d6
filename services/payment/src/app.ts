import { createServer } from '@fig/common';
import { openDatabase } from '@fig/common/domain/database';
import { createPayments } from '@fig/common/domain/payments';
import { paymentRoutes } from '@fig/common/domain/routes/payments';
import { openApi } from '@fig/common/openapi';
import { paymentSubgraph } from './graphql/subgraph.ts';

export interface PaymentAppOptions {
  /** Folder for payment.sqlite, or `:memory:`. */
  dataDir: string;
  logLevel?: string;
}

/** Charges, refunds and their idempotency keys (DESIGN.md §3.3 `payments`), over its own SQLite. */
export function buildApp(options: PaymentAppOptions) {
  const app = createServer({ service: 'payment', logLevel: options.logLevel });
  const db = openDatabase(options.dataDir, { name: 'payment' });
  const payments = createPayments(db);
  app.observability.readiness.set('store', () => db.isOpen);
  app.addHook('onClose', async () => db.close());
  app.register(openApi, { title: 'Fig payment service' });
  app.register(paymentRoutes, { payments });
  app.register(paymentSubgraph, { payments });
  return app;
}
