import { afterAll, beforeAll, expect } from 'vitest';
import { jsonRequest, type JsonRequestOptions } from '@fig/testing/json-request';
import { fetchServiceToken } from '@fig/testing/test-identity';
import { buildApp, type MonolithOptions } from '../../src/app.ts';

export const address = {
  name: 'Alice Archer',
  line1: '1 Main St',
  city: 'Ghent',
  postal_code: '9000',
  country: 'BE',
};

/** What a checkout answers when it places an order of `totalCents`. */
export const confirmedCheckout = (totalCents: number) => ({
  order_id: expect.stringMatching(/^ord_/),
  status: 'confirmed',
  total_cents: totalCents,
  currency: 'EUR',
});

/** An order of bob's for `quantity` SKU-0007, as the checkout service records it on the monolith. */
export const recordedOrder = (quantity: number, paymentId: string) => ({
  user_id: 'usr_bob',
  status: 'confirmed',
  total_cents: 699 * quantity,
  currency: 'EUR',
  items: [{ sku: 'SKU-0007', quantity, unit_price_cents: 699 }],
  payment_id: paymentId,
  shipping_address: address,
  created_at: '2026-01-02T03:04:05.000Z',
});

/**
 * The monolith on real sockets (port 0: its public and its internal listener), with no
 * legacy latency, and a small client for each. In-memory by default; pass `dataDir` for
 * persistence tests.
 */
export async function startMonolith(options: Partial<MonolithOptions> = {}) {
  const app = await buildApp({ dataDir: ':memory:', logLevel: 'silent', ...options });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const internalUrl = await app.internal.listen({ port: 0, host: '127.0.0.1' });
  const call = <T = any>(path: string, init: JsonRequestOptions = {}) => jsonRequest<T>(url + path, init);
  /** The internal listener: the subgraph, /internal/*, health and metrics. */
  const callInternal = <T = any>(path: string, init: JsonRequestOptions = {}) =>
    jsonRequest<T>(internalUrl + path, init);
  return {
    app,
    url,
    internalUrl,
    call,
    callInternal,
    close: () => app.close(),
    async login(username = 'alice', password = 'password'): Promise<string> {
      const response = await call('/auth/login', { body: { username, password } });
      if (response.status !== 200) throw new Error(`login failed: ${JSON.stringify(response.body)}`);
      return response.body.access_token;
    },
    /** A service token from `POST /auth/token` (the dev client `client`, optionally narrowed to `scope`). */
    serviceToken: (client = 'checkout', scope?: string) => fetchServiceToken(url, client, scope),
    /** A new cart for the token's user holding the given items. */
    async cartWith(token: string, items: { sku: string; quantity: number }[]): Promise<string> {
      const cart = await call('/api/carts', { method: 'POST', token });
      for (const item of items) {
        const added = await call(`/api/carts/${cart.body.cart_id}/items`, { body: item, token });
        if (added.status !== 200) throw new Error(`add to cart failed: ${JSON.stringify(added.body)}`);
      }
      return cart.body.cart_id;
    },
  };
}

export type Monolith = Awaited<ReturnType<typeof startMonolith>>;

/**
 * One monolith for the enclosing `describe`: started before its tests, closed after them.
 * `signedIn` logs that user in first; its access token is `token`. `service` gets that dev
 * client's service token first; `asService` calls with it.
 */
export function monolithPerSuite({
  signedIn,
  service,
  ...options
}: Partial<MonolithOptions> & { signedIn?: string; service?: string } = {}) {
  let started: Monolith | undefined;
  let token = '';
  let serviceToken = '';
  beforeAll(async () => {
    started = await startMonolith(options);
    if (signedIn) token = await started.login(signedIn);
    if (service) serviceToken = await started.serviceToken(service);
  });
  afterAll(() => started?.close());
  const current = () => {
    if (!started) throw new Error('the monolith starts in beforeAll');
    return started;
  };
  return {
    call: ((path, init) => current().call(path, init)) as Monolith['call'],
    callInternal: ((path, init) => current().callInternal(path, init)) as Monolith['call'],
    login: (username?: string, password?: string) => current().login(username, password),
    serviceToken: (client?: string, scope?: string) => current().serviceToken(client, scope),
    cartWith: (token: string, items: { sku: string; quantity: number }[]) => current().cartWith(token, items),
    get url() {
      return current().url;
    },
    get internalUrl() {
      return current().internalUrl;
    },
    get token() {
      return token;
    },
    /** A call with the suite's service token (unless `init` names another). */
    asService: ((path, init = {}) =>
      current().call(path, { token: serviceToken, ...init })) as Monolith['call'],
    /** The same on the internal listener. */
    asServiceInternal: ((path, init = {}) =>
      current().callInternal(path, { token: serviceToken, ...init })) as Monolith['call'],
  };
}
