import { createInventory } from '@fig/domain/inventory';
import { createPostgresInventory } from '@fig/domain/postgres/inventory';
import type { InventoryRepository } from '@fig/domain/repositories';
import { inventoryRoutes, stockSnapshotRoute } from '@fig/domain/routes/inventory';
import { runStoreService } from '@fig/domain/store-service-main';
import { inventorySubgraph } from './graphql/subgraph.ts';

/** Stock levels and reservations (docs/architecture.md §3.5 `inventory`), over its own SQLite or PostgreSQL. */
await runStoreService<InventoryRepository>(5003, 5103, {
  service: 'inventory',
  createStore: createInventory,
  createPostgresStore: createPostgresInventory,
  routes: (scope, inventory) => scope.register(inventoryRoutes, { inventory }),
  internalRoutes: (scope, inventory) => scope.register(stockSnapshotRoute, { inventory }),
  subgraph: (scope, inventory) => scope.register(inventorySubgraph, { inventory }),
});
