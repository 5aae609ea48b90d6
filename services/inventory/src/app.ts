import { createServer } from '@fig/common';
import { openDatabase } from '@fig/common/domain/database';
import { createInventory } from '@fig/common/domain/inventory';
import { inventoryRoutes } from '@fig/common/domain/routes/inventory';
import { addLegacyFallthrough } from '@fig/common/legacy-fallthrough';
import { openApi } from '@fig/common/openapi';
import { inventorySubgraph } from './graphql/subgraph.ts';

export interface InventoryAppOptions {
  /** Folder for inventory.sqlite, or `:memory:`. */
  dataDir: string;
  /** The monolith, which keeps answering for the reservations made there before the route moved. */
  monolithUrl?: string;
  logLevel?: string;
}

/** Stock levels and reservations (DESIGN.md §3.3 `inventory`), over its own SQLite. */
export function buildApp(options: InventoryAppOptions) {
  const app = createServer({ service: 'inventory', logLevel: options.logLevel });
  const db = openDatabase(options.dataDir, { name: 'inventory' });
  const inventory = createInventory(db);
  app.observability.readiness.set('store', () => db.isOpen);
  app.addHook('onClose', async () => db.close());
  app.register(openApi, { title: 'Fig inventory service' });
  const ownRecord = db.prepare('SELECT 1 FROM reservations WHERE id = ?');
  app.register(async (scope) => {
    if (options.monolithUrl) {
      addLegacyFallthrough(scope, {
        legacyUrl: options.monolithUrl,
        owns: (id) => ownRecord.get(id) !== undefined,
      });
    }
    await scope.register(inventoryRoutes, { inventory });
  });
  app.register(inventorySubgraph, { inventory });
  return app;
}
