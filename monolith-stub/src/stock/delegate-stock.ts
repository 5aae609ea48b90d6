import type { DatabaseSync } from 'node:sqlite';
import type { Carts, Orders, Payments } from '@fig/domain';
import type { FastifyInstance } from 'fastify';
import type { Tokens } from '../auth/tokens.ts';
import { createDelegatedCheckout } from './delegated-checkout.ts';
import { createRemoteInventory } from './remote-inventory.ts';
import { createStockHolds, startStockSync } from './stock-holds.ts';

const ownClient = { id: 'monolith', secret: 'signed-in-process-never-sent', scopes: ['inventory:reserve'] };

/**
 * Makes the inventory service this monolith's stock: its inventory API and checkout write
 * there, holds left pending by a crash are committed and the local copy follows, on an interval.
 */
export function delegateStock(
  app: FastifyInstance,
  db: DatabaseSync,
  parts: {
    carts: Carts;
    payments: Payments;
    orders: Orders;
    tokens: Tokens;
    service: { url: string; internalUrl: string; holdSeconds: number; syncIntervalMs: number };
  },
) {
  // This side is the identity provider: it signs its own service token, renewed well before it expires.
  let token: { value: Promise<string>; until: number } | undefined;
  const ownToken = () => {
    if (!token || token.until < Date.now()) {
      const issued = parts.tokens.issueService(ownClient, ownClient.scopes);
      token = { value: issued.then((answer) => answer.access_token), until: Date.now() + 60_000 };
    }
    return token.value;
  };
  const remote = createRemoteInventory({
    url: parts.service.url,
    internalUrl: parts.service.internalUrl,
    token: ownToken,
  });
  const holds = createStockHolds(db, remote, app.log);
  const checkout = createDelegatedCheckout(db, {
    carts: parts.carts,
    payments: parts.payments,
    orders: parts.orders,
    remote,
    holds,
    holdSeconds: parts.service.holdSeconds,
    log: app.log,
  });
  let sync: ReturnType<typeof startStockSync> | undefined;
  app.addHook('onReady', async () => {
    sync = startStockSync(holds, { intervalMs: parts.service.syncIntervalMs, log: app.log });
  });
  app.addHook('onClose', async () => {
    await sync?.stop();
    await remote.close();
  });
  return { inventory: remote, ...checkout };
}
