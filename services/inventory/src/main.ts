import { createInventory } from '@fig/domain/inventory';
import { inventoryRoutes } from '@fig/domain/routes/inventory';
import { runStoreService } from '@fig/domain/store-service-main';
import { inventorySubgraph } from './graphql/subgraph.ts';

/** Stock levels and reservations (docs/architecture.md §3.5 `inventory`), over its own SQLite. */
await runStoreService(5003, 5103, {
  service: 'inventory',
  ownedTable: 'reservations',
  createStore: createInventory,
  routes: (scope, inventory) => scope.register(inventoryRoutes, { inventory }),
  subgraph: (scope, inventory) => scope.register(inventorySubgraph, { inventory }),
});
