import { createServer } from '@fig/common';
import { openDatabase } from '@fig/common/domain/database';
import { createPayments } from '@fig/common/domain/payments';
import { paymentRoutes } from '@fig/common/domain/routes/payments';
import { addLegacyFallthrough } from '@fig/common/legacy-fallthrough';
import { openApi } from '@fig/common/openapi';
import { paymentSubgraph } from './graphql/subgraph.ts';

export interface PaymentAppOptions {
  /** Folder for payment.sqlite, or `:memory:`. */
  dataDir: string;
  /** The monolith, which keeps answering for the payments made there before the route moved. */
  monolithUrl?: string;
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
  const ownRecord = db.prepare('SELECT 1 FROM payments WHERE id = ?');
  app.register(async (scope) => {
    if (options.monolithUrl) {
      addLegacyFallthrough(scope, {
        legacyUrl: options.monolithUrl,
        owns: (id) => ownRecord.get(id) !== undefined,
      });
    }
    await scope.register(paymentRoutes, { payments });
  });
  app.register(paymentSubgraph, { payments });
  return app;
}
