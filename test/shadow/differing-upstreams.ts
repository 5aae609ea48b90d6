import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface Upstream {
  origin: string;
  /** The `x-fig-shadow` header of each request received, in order. */
  readonly marks: (string | undefined)[];
  /** The `x-fig-dry-run` header of each request received, in order. */
  readonly dryRuns: (string | undefined)[];
  readonly methods: string[];
  /** The path of each request received, in order. */
  readonly paths: string[];
  /** The service's answers to `/api/held` wait until this is called. */
  release(): void;
  /** How many requests to `/api/held` are waiting. */
  held(): number;
  close(): Promise<void>;
}

type Answer = { status?: number; body: unknown };

/** Each side's view of one customer: the e-mail and the street differ. */
export const customers = {
  monolith: {
    email: 'alice.liddell@example.com',
    shipping_address: { line1: '7 Looking Glass Lane', city: 'Oxford', postcode: 'OX1 1AA' },
  },
  service: {
    email: 'a.liddell@wonder.example',
    shipping_address: { line1: '7 Looking-Glass Ln', city: 'Oxford', postcode: 'OX1 1AA' },
  },
};

const payment = { payment_id: 'pay-1', status: 'succeeded', currency: 'EUR', payment_method: 'pm_card_visa' };

/**
 * The monolith's answers, and the service's where it deliberately differs: a field that
 * always differs, a timestamp that differs on every answer (noise), an array in another
 * order, a status mismatch. Everything else is answered identically by both.
 */
function answer(side: 'monolith' | 'service', request: IncomingMessage): Answer {
  const path = (request.url ?? '/').split('?')[0];
  const service = side === 'service';
  if (path.startsWith('/api/payments')) return { body: { ...payment, amount_cents: service ? 1250 : 1200 } };
  // Personal data that differs: the comparison must name the fields and keep none of the values.
  if (path.startsWith('/api/customers')) {
    return {
      status: request.method === 'POST' ? 201 : 200,
      body: service
        ? { id: 'cu-1', name: 'Alice Liddell', ...customers.service }
        : { id: 'cu-1', name: 'Alice Liddell', ...customers.monolith },
    };
  }
  if (path.startsWith('/api/clock'))
    return { body: { id: 'c-1', generated_at: new Date().toISOString(), trace: randomUUID() } };
  if (path.startsWith('/api/inventory')) {
    const items = [
      { sku: 'SKU-1', available: 4 },
      { sku: 'SKU-2', available: 0 },
      { sku: 'SKU-3', available: 9 },
    ];
    return { body: { items: service ? items.toReversed() : items } };
  }
  if (path.startsWith('/api/streamed')) {
    return { body: { items: Array.from({ length: 50 }, (_, i) => ({ n: i })), side } };
  }
  if (path.startsWith('/api/orders')) {
    return service
      ? { status: 404, body: { error: { code: 'NOT_FOUND', message: 'no such order' } } }
      : { body: { id: 'o-1', status: 'paid' } };
  }
  return { body: { ok: true, side: 'same' } };
}

export async function startUpstream(side: 'monolith' | 'service'): Promise<Upstream> {
  const marks: (string | undefined)[] = [];
  const dryRuns: (string | undefined)[] = [];
  const methods: string[] = [];
  const paths: string[] = [];
  let waiting: (() => void)[] = [];
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    request.on('end', () => {
      marks.push(request.headers['x-fig-shadow'] as string | undefined);
      dryRuns.push(request.headers['x-fig-dry-run'] as string | undefined);
      methods.push(request.method ?? '');
      paths.push((request.url ?? '/').split('?')[0]);
      const { status = 200, body } = answer(side, request);
      if (request.headers['if-none-match'] === `"${side}"`) return void response.writeHead(304).end();
      const text = JSON.stringify(body);
      // `/api/streamed` answers in two writes, so without a length: the proxy streams it on.
      const send = request.url?.startsWith('/api/streamed')
        ? () => {
            response.writeHead(status, { 'content-type': 'application/json' }).write(text.slice(0, 100));
            setImmediate(() => response.end(text.slice(100)));
          }
        : () => response.writeHead(status, { 'content-type': 'application/json' }).end(text);
      if (side === 'service' && request.url?.startsWith('/api/held')) waiting.push(send);
      else send();
    });
  };
  const server: Server = createServer(handle).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    origin: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    marks,
    dryRuns,
    methods,
    paths,
    release: () => {
      for (const send of waiting) send();
      waiting = [];
    },
    held: () => waiting.length,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Routes for the two upstreams, every one shadowed at 100% and served by the monolith. */
export function shadowRules(monolith: string, service: string): string {
  return `version: 1
upstreams:
  monolith: { url: ${monolith}, dryRun: true }
  payment: { url: ${service}, dryRun: true }
defaults:
  auth: none
routes:
  - name: payments
    path: /api/payments
    service: payment
    shadow: 100
    compare: { showValues: [amount_cents] }
  - name: customers
    path: /api/customers
    service: payment
    shadow: 100
    compare: { methods: [POST] }
  - name: clock
    path: /api/clock
    service: payment
    shadow: 100
  - name: inventory
    path: /api/inventory
    service: payment
    shadow: 100
    compare: { arrayKeys: { items: sku } }
  - name: orders
    path: /api/orders
    service: payment
    shadow: 100
  - name: streamed
    path: /api/streamed
    service: payment
    shadow: 100
  - name: same
    path: /api/same
    service: payment
    percent: 100
    shadow: 100
    compare: { methods: [POST] }
  - name: unshadowed-posts
    path: /api/posts
    service: payment
    shadow: 100
  - name: products
    path: /api/products
  - name: cached
    path: /api/cached
    service: payment
    shadow: 100
  - name: held
    path: /api/held
    service: payment
    shadow: 100
`;
}
