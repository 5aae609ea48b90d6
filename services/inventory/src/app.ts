import { createInventory } from '@fig/domain/inventory';
import { inventoryRoutes } from '@fig/domain/routes/inventory';
import { buildStoreService, type StoreServiceOptions } from '@fig/domain/store-service';
import { inventorySubgraph } from './graphql/subgraph.ts';

export type InventoryAppOptions = StoreServiceOptions;

/** Stock levels and reservations (docs/architecture.md §3.5 `inventory`), over its own SQLite. */
export function buildApp(options: InventoryAppOptions) {
  return buildStoreService(options, {
    service: 'inventory',
    title: 'Fig inventory service',
    ownedTable: 'reservations',
    createStore: createInventory,
    routes: (scope, inventory) => scope.register(inventoryRoutes, { inventory }),
    subgraph: (scope, inventory) => scope.register(inventorySubgraph, { inventory }),
  });
}
