import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPort } from '@fig/testing/closed-port';
import { jsonRequest } from '@fig/testing/json-request';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '@fig/testing/otlp-receiver';
import { type RunningDeployable, spawnDeployable } from '@fig/testing/spawn-deployable';
import { type RunningRedis, startRedisServer } from '@fig/testing/redis-server';
import { renderWaterfall } from '@fig/testing/trace-waterfall';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { address, spawnCheckout, trustMonolith } from '@fig/testing/checkout-stack';
import type { ComparisonsReport } from '../../gateway/src/dashboard/comparisons-report.ts';

// The whole stack as real processes, every one exporting to a real OTLP/HTTP receiver: the
// gateway in front of the monolith and the checkout service, which calls inventory, payment
// and the monolith, and publishes each order's event on Redis for the monolith to consume.
// What the receiver gets is what an operator's Jaeger would show.
let receiver: OtlpReceiver;
let redis: RunningRedis;
let dir: string;
let monolith: RunningDeployable;
let inventory: RunningDeployable;
let payment: RunningDeployable;
let checkout: RunningDeployable;
let bffWeb: RunningDeployable;
let gateway: RunningDeployable;
let gatewayUrl: string;
let token: string;

// A client's own trace: the gateway continues it rather than starting one.
const clientTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const clientSpanId = '00f067aa0ba902b7';
const traceparent = `00-${clientTraceId}-${clientSpanId}-01`;
const traceUrl = 'http://127.0.0.1:16686/trace/{trace_id}';

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  redis = await startRedisServer();
  dir = mkdtempSync(join(tmpdir(), 'fig-tracing-'));
  const otel = {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '50',
  };
  monolith = await spawnDeployable('monolith-stub', {
    env: { ...otel, REDIS_URL: redis.url, LEGACY_LATENCY_MS: '0', LEGACY_CHECKOUT_LATENCY_MS: '0' },
  });
  const trust = trustMonolith(monolith);
  [inventory, payment] = await Promise.all([
    spawnDeployable('services/inventory', { env: { ...otel, ...trust, MONOLITH_URL: monolith.url } }),
    spawnDeployable('services/payment', { env: { ...otel, ...trust, MONOLITH_URL: monolith.url } }),
  ]);
  checkout = await spawnCheckout(
    monolith,
    { inventory: inventory.url, payment: payment.url },
    { ...otel, REDIS_URL: redis.url },
  );
  const rules = join(dir, 'routes.yaml');
  const down = `http://127.0.0.1:${await closedPort()}`;
  // The BFF reads the same file: written once to start it, again with its address.
  const writeRules = (bffWebUrl: string) =>
    writeFileSync(
      rules,
      `version: 1
upstreams:
  monolith: { url: ${monolith.url} }
  checkout: { url: ${checkout.url} }
  inventory: { url: ${down}, timeout: 2s }
  bff-web: { url: ${bffWebUrl} }
defaults: { auth: required }
routes:
  - { name: auth, path: /auth, auth: none }
  - { name: carts, path: /api/carts, service: checkout, percent: 100, shadow: 100 }
  - { name: checkout, path: /api/checkout, service: checkout, percent: 100 }
  - { name: inventory, path: /api/inventory, service: inventory, percent: 100 }
  - { name: web-graphql, path: /web/graphql, upstream: bff-web }
`,
    );
  writeRules(down);
  const subgraphs = { monolith, checkout, payment, inventory };
  bffWeb = await spawnDeployable('bff-web', {
    env: {
      ...otel,
      ...trust,
      ROUTING_RULES: rules,
      SUBGRAPH_URLS: Object.entries(subgraphs)
        .map(([name, process]) => `${name}=${process.internalUrl}/graphql`)
        .join(','),
    },
  });
  writeRules(bffWeb.url);
  gateway = await spawnDeployable('gateway', {
    env: { ...otel, ...trust, ADMIN_PORT: '0', ROUTING_RULES: rules, TRACE_URL_TEMPLATE: traceUrl },
    readyAddressIndex: 0,
  });
  // The admin port listens first, then the public one.
  gatewayUrl = gateway.addresses[1];
  const login = await jsonRequest(`${gatewayUrl}/auth/login`, {
    body: { username: 'alice', password: 'password' },
  });
  expect(login.status).toBe(200);
  token = login.body.access_token;
});
afterAll(async () => {
  await gateway?.stop();
  await bffWeb?.stop();
  await Promise.all([checkout?.stop(), inventory?.stop(), payment?.stop()]);
  await monolith?.stop();
  await receiver?.close();
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const inTrace = (traceId: string) => receiver.spans.filter((span) => span.traceId === traceId);
const parentOf = (span: ReceivedSpan) => receiver.spans.find((other) => other.spanId === span.parentSpanId);
function ancestors(span: ReceivedSpan): ReceivedSpan[] {
  const chain: ReceivedSpan[] = [];
  for (let parent = parentOf(span); parent; parent = parentOf(parent)) chain.push(parent);
  return chain;
}
const gatewayServerSpan = (route: string, spans: ReceivedSpan[]) =>
  spans.find(
    (span) => span.service === 'gateway' && span.kind === 2 && span.attributes['fig.route'] === route,
  );

describe('one trace per request, across the edge, the services and the saga', () => {
  it('shows a checkout through the gateway as one trace, parented hop by hop', async () => {
    const cart = await jsonRequest(`${gatewayUrl}/api/carts`, { method: 'POST', token, body: {} });
    expect(cart.status).toBe(201);
    const cartId: string = cart.body.cart_id;
    const added = await jsonRequest(`${gatewayUrl}/api/carts/${cartId}/items`, {
      token,
      body: { sku: 'SKU-0003', quantity: 1 },
    });
    expect(added.status).toBe(200);
    const placed = await jsonRequest(`${gatewayUrl}/api/checkout`, {
      token,
      headers: { traceparent },
      body: { cart_id: cartId, payment_method: 'pm_card_visa', shipping_address: address },
    });
    expect(placed.status).toBe(201);

    // Each backend's server span under the saga step that called it.
    const underStep = (service: string, step: string) =>
      inTrace(clientTraceId).some(
        (span) =>
          span.service === service &&
          span.kind === 2 &&
          ancestors(span).some((ancestor) => ancestor.name === step),
      );
    const calls = [
      ['inventory', 'saga.reserve'],
      ['payment', 'saga.charge'],
      ['inventory', 'saga.commit'],
    ];
    await receiver.waitFor(
      () =>
        calls.every(([service, step]) => underStep(service, step)) &&
        inTrace(clientTraceId).some((span) => span.service === 'gateway' && span.kind === 2),
    );
    const spans = inTrace(clientTraceId);
    console.log(renderWaterfall(spans));

    // The gateway continues the client's trace: its server span is the client span's child.
    const edge = gatewayServerSpan('checkout', spans)!;
    expect(edge).toMatchObject({
      parentSpanId: clientSpanId,
      attributes: { 'fig.route': 'checkout', 'fig.backend': 'service', 'fig.upstream': 'checkout' },
    });
    expect(edge.attributes['fig.sticky']).toBe('subject');
    // The sticky key's kind, never the key: no gateway span carries the user's id.
    const subject: string = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).sub;
    for (const span of spans.filter((candidate) => candidate.service === 'gateway')) {
      expect(JSON.stringify(span.attributes)).not.toContain(subject);
    }
    const attempt = spans.find((span) => span.service === 'gateway' && span.kind === 3)!;
    expect(attempt.parentSpanId).toBe(edge.spanId);
    const checkoutServer = spans.find((span) => span.service === 'checkout' && span.kind === 2)!;
    expect(checkoutServer.parentSpanId).toBe(attempt.spanId);

    // Every saga step under the checkout request.
    for (const name of ['saga.reserve', 'saga.charge', 'saga.commit']) {
      const step = spans.find((span) => span.name === name)!;
      expect(ancestors(step)).toContain(checkoutServer);
    }
    // Nothing in the trace hangs loose: every parent is in it, bar the client's own span.
    for (const span of spans) {
      if (span === edge) continue;
      expect(spans.map((other) => other.spanId)).toContain(span.parentSpanId);
    }

    // Log lines written inside the request carry its ids.
    const logged = (process: RunningDeployable) =>
      process
        .output()
        .split('\n')
        .filter((line) => line.includes(`"trace_id":"${clientTraceId}"`));
    expect(logged(gateway).some((line) => line.includes('"span_id":"'))).toBe(true);
    expect(logged(checkout).length).toBeGreaterThan(0);

    // The order's event (DESIGN §3.5): the step that wrote it is in this trace; the checkout's
    // relay publishes it and the monolith consumes it, each in a trace of its own linked to it.
    const commit = spans.find((span) => span.name === 'saga.commit')!;
    const linkedToCommit = (span: ReceivedSpan) =>
      span.links.some((link) => link.traceId === clientTraceId && link.spanId === commit.spanId);
    const consumerSpan = (received: ReceivedSpan[]) =>
      received.find(
        (span) =>
          span.service === 'monolith' &&
          span.name === 'process checkout.order_created.v1' &&
          linkedToCommit(span),
      );
    const publishSpan = (received: ReceivedSpan[]) =>
      received.find(
        (span) => span.service === 'checkout' && span.name === 'publish outbox' && linkedToCommit(span),
      );
    const received = await receiver.waitFor((all) => !!consumerSpan(all) && !!publishSpan(all));
    const consumed = consumerSpan(received)!;
    expect(consumed).toMatchObject({
      kind: 5,
      attributes: {
        'messaging.system': 'redis',
        'messaging.destination.name': 'checkout.order_created.v1',
        'messaging.consumer.group.name': 'monolith',
      },
    });
    expect(consumed.attributes['messaging.message.id']).toMatch(/^evt_/);
    expect(consumed.parentSpanId).toBeUndefined();
    expect(consumed.traceId).not.toBe(clientTraceId);
    const published = publishSpan(received)!;
    expect(published).toMatchObject({ kind: 4, attributes: { 'messaging.system': 'redis' } });
    expect(published.parentSpanId).toBeUndefined();
    // And the monolith has the order: it came from the stream.
    const orders = await jsonRequest(`${gatewayUrl}/api/orders/${placed.body.order_id}`, { token });
    expect(orders.status).toBe(200);
  });

  it('shows a GraphQL operation through a BFF: the operation, its plan with the override decision, each subgraph fetch', async () => {
    const answer = await jsonRequest(`${gatewayUrl}/web/graphql`, {
      token,
      body: { query: 'query Stock { product(id: "prd_0001") { name stock { available } } }' },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.data.product.stock.available).toEqual(expect.any(Number));
    const all = await receiver.waitFor((spans) =>
      spans.some((span) => span.service === 'bff-web' && span.name === 'graphql.operation Stock'),
    );
    const operation = all.find((span) => span.name === 'graphql.operation Stock')!;
    // The subgraphs' own server spans arrive in their own exports, after the BFF's.
    const trace = await receiver.waitFor(
      () =>
        inTrace(operation.traceId).some((span) => span.service === 'gateway' && span.kind === 2) &&
        ['inventory', 'monolith'].every((service) =>
          inTrace(operation.traceId).some(
            (span) => span.service === service && span.kind === 2 && span.name === 'POST /graphql',
          ),
        ),
    );
    const spans = trace.filter((span) => span.traceId === operation.traceId);
    console.log(renderWaterfall(spans));
    expect(operation.attributes).toMatchObject({
      'graphql.operation.name': 'Stock',
      'fig.override.inventory': 'service',
    });
    expect(ancestors(operation).map((span) => span.service)).toEqual(['bff-web', 'gateway', 'gateway']);
    // Each subgraph the plan fetches from answers under the operation.
    for (const subgraph of ['monolith', 'inventory']) {
      const server = spans.find((span) => span.service === subgraph && span.name === 'POST /graphql')!;
      expect(ancestors(server)).toContain(operation);
    }
  });

  it('shows a fallback as two attempts, the failed one with its reason', async () => {
    const stock = await jsonRequest(`${gatewayUrl}/api/inventory/SKU-0001`, { token });
    expect(stock.status).toBe(200);
    expect(stock.headers.get('x-served-by')).toBe('monolith');
    const traceId = await receiver
      .waitFor((all) => all.some((span) => span.attributes['fig.route'] === 'inventory' && span.kind === 2))
      .then((all) => gatewayServerSpan('inventory', all)!.traceId);
    const spans = await receiver.waitFor(() =>
      inTrace(traceId).some((span) => span.service === 'monolith' && span.kind === 2),
    );
    const trace = spans.filter((span) => span.traceId === traceId);
    console.log(renderWaterfall(trace));
    const edge = gatewayServerSpan('inventory', trace)!;
    expect(edge.attributes).toMatchObject({ 'fig.backend': 'monolith', 'fig.fallback': 'connect' });
    const attempts = trace
      .filter((span) => span.service === 'gateway' && span.kind === 3)
      .sort((a, b) => (a.startNs < b.startNs ? -1 : 1));
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    const [failed, last] = [attempts[0], attempts.at(-1)!];
    expect(failed).toMatchObject({
      status: 2,
      attributes: { 'fig.upstream': 'inventory', 'error.type': 'ECONNREFUSED' },
    });
    expect(last).toMatchObject({ attributes: { 'fig.upstream': 'monolith', 'fig.fallback': 'connect' } });
    expect(last.status).not.toBe(2);
    for (const attempt of attempts) expect(attempt.parentSpanId).toBe(edge.spanId);
  });

  it('traces a shadow in a trace of its own, linked to the request it copies, with the comparison on it', async () => {
    // A cart only the checkout service has: the monolith, asked the same in the shadow, has none.
    const cart = await jsonRequest(`${gatewayUrl}/api/carts`, { method: 'POST', token, body: {} });
    const read = await jsonRequest(`${gatewayUrl}/api/carts/${cart.body.cart_id}`, { token });
    expect(read.status).toBe(200);
    const all = await receiver.waitFor((spans) =>
      spans.some(
        (span) => span.attributes['fig.shadow'] === true && span.attributes['fig.route'] === 'carts',
      ),
    );
    const shadow = all.find((span) => span.attributes['fig.shadow'] === true)!;
    const original = all.find((span) => span.spanId === shadow.links[0]?.spanId)!;
    expect(original).toMatchObject({ service: 'gateway', kind: 2, attributes: { 'fig.route': 'carts' } });
    expect(original.attributes['url.path']).toBe(`/api/carts/${cart.body.cart_id}`);
    expect(shadow.traceId).not.toBe(original.traceId);
    expect(shadow.parentSpanId).toBeUndefined();
    expect(shadow.links).toEqual([{ traceId: original.traceId, spanId: original.spanId }]);
    expect(shadow.attributes).toMatchObject({
      'fig.route': 'carts',
      'fig.backend': 'monolith',
      'fig.comparison': 'mismatched',
      'http.response.status_code': 404,
    });
    // The monolith answering the shadow hangs under it, in the shadow's trace.
    const answered = await receiver.waitFor((spans) =>
      spans.some((span) => span.service === 'monolith' && span.parentSpanId === shadow.spanId),
    );
    // The dashboard's example of the difference names both traces, and where to see them.
    const report = (await (await fetch(`${gateway.addresses[0]}/comparisons`)).json()) as ComparisonsReport;
    expect(report.traceUrl).toBe(traceUrl);
    const examples = report.routes
      .find((route) => route.name === 'carts')!
      .fields.flatMap((field) => field.examples);
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) {
      expect(example.traces).toEqual({ primary: original.traceId, shadow: shadow.traceId });
    }
    console.log(renderWaterfall(answered.filter((span) => span.traceId === shadow.traceId)));
  });
});
