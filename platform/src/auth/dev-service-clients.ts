/** A client the dev identity provider issues service tokens to (`SERVICE_CLIENTS`). */
export interface ServiceClient {
  id: string;
  secret: string;
  scopes: string[];
}

/**
 * The local stack's services with dev secrets, so `npm start` needs no configuration: the
 * monolith registers these unless `SERVICE_CLIENTS` says otherwise, and each service's
 * `SERVICE_CLIENT_ID` / `SERVICE_CLIENT_SECRET` default to its entry. Never use them in a
 * shared environment.
 */
export const devServiceClients: ServiceClient[] = [
  {
    id: 'checkout',
    secret: 'checkout-dev-secret',
    scopes: ['inventory:reserve', 'payments:charge', 'payments:refund', 'orders:record', 'carts:read'],
  },
  // Registered for their own calls to come; they call nobody yet, so they may do nothing.
  { id: 'payment', secret: 'payment-dev-secret', scopes: [] },
  { id: 'inventory', secret: 'inventory-dev-secret', scopes: [] },
];
