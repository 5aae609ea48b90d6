import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ValueSummary } from '../../gateway/src/shadow/comparison/example-values.ts';
import { routeOf, type ShadowGateway, startShadowGateway } from './gateway-harness.ts';

let gateway: ShadowGateway;

beforeAll(async () => {
  gateway = await startShadowGateway();
});
afterAll(() => gateway?.close());

async function traffic(path: string, times: number, init: RequestInit = {}) {
  const answers: { status: number; servedBy: string | null; body: Record<string, unknown> }[] = [];
  for (let i = 0; i < times; i++) {
    const response = await fetch(`${gateway.url}${path}`, init);
    answers.push({
      status: response.status,
      servedBy: response.headers.get('x-served-by'),
      body: (await response.json()) as Record<string, unknown>,
    });
  }
  return answers;
}

const compared =
  (name: string, count: number) => (report: Awaited<ReturnType<ShadowGateway['comparisons']>>) =>
    routeOf(report, name).comparisons.compared >= count;

describe('shadow traffic through the gateway', () => {
  it('gives the client the serving side’s answer untouched and classifies each known difference', async () => {
    const answers = await traffic('/api/payments/pay-1', 25);
    expect(
      answers.every((a) => a.status === 200 && a.servedBy === 'monolith' && a.body.amount_cents === 1200),
    ).toBe(true);
    await Promise.all([
      traffic('/api/clock', 25),
      traffic('/api/inventory/all', 25),
      traffic('/api/orders/o-1', 25),
    ]);
    const report = await gateway.until((r) =>
      ['payments', 'clock', 'inventory', 'orders'].every((name) => compared(name, 25)(r)),
    );

    const payments = routeOf(report, 'payments');
    expect(payments.comparisons).toMatchObject({ compared: 25, mismatched: 25 });
    expect(payments.fields[0]).toMatchObject({ field: 'body.amount_cents', verdict: 'real', rate: 1 });
    expect(payments.fields[0].examples[0]).toMatchObject({ left: 1200, right: 1250, leftSide: 'monolith' });
    expect(payments.verdict).toEqual({ state: 'hold', text: 'hold: amount_cents differs in 100.0%' });

    const clock = routeOf(report, 'clock');
    expect(clock.comparisons).toMatchObject({ compared: 25, noise: 25, mismatched: 0 });
    expect(clock.fields.map((f) => [f.field, f.verdict]).sort()).toEqual([
      ['body.generated_at', 'noise'],
      ['body.trace', 'noise'],
    ]);

    const inventory = routeOf(report, 'inventory');
    expect(inventory.comparisons).toMatchObject({ compared: 25, matched: 25 });

    const orders = routeOf(report, 'orders');
    expect(orders.comparisons).toMatchObject({ compared: 25, mismatched: 25 });
    expect(orders.fields.find((f) => f.field === 'status')).toMatchObject({ verdict: 'real', rate: 1 });

    expect(payments.traffic.monolith.requests).toBe(25);
    expect(payments.latency.service.count).toBe(25);
  });

  it('compares answers that stream through without a declared length', async () => {
    const first = await fetch(`${gateway.url}/api/streamed`);
    expect([first.headers.get('content-length'), first.headers.get('transfer-encoding')]).toEqual([
      null,
      'chunked',
    ]);
    await first.arrayBuffer();
    const answers = await traffic('/api/streamed', 9);
    expect(answers.every((a) => a.status === 200 && a.body.side === 'monolith')).toBe(true);
    expect(answers.every((a) => (a.body.items as unknown[]).length === 50)).toBe(true);
    const streamed = routeOf(await gateway.until(compared('streamed', 10)), 'streamed');
    expect(streamed.comparisons).toMatchObject({ compared: 10, mismatched: 10, dropped: 0 });
    expect(streamed.fields.map((f) => f.field)).toEqual(['body.side']);
    // Values are hidden unless the route shows them: each side's type, length and keyed hash.
    const [example] = streamed.fields[0].examples;
    expect(example).toMatchObject({
      shown: false,
      left: { type: 'string', length: 8 },
      right: { type: 'string', length: 7 },
    });
    const [left, right] = [example.left, example.right] as ValueSummary[];
    expect(left.hash).toMatch(/^[0-9a-f]{8}$/);
    expect(left.hash).not.toBe(right.hash);
  });

  it('shadows to the monolith when the service serves, marks shadows, and leaves unsafe methods alone unless listed', async () => {
    const served = await traffic('/api/same', 5);
    expect(served.every((a) => a.servedBy === 'payment')).toBe(true);
    await traffic('/api/same', 5, {
      method: 'POST',
      body: '{"n":1}',
      headers: { 'content-type': 'application/json' },
    });
    await traffic('/api/posts', 5, {
      method: 'POST',
      body: '{"n":1}',
      headers: { 'content-type': 'application/json' },
    });
    const report = await gateway.until(compared('same', 10));
    const same = routeOf(report, 'same');
    expect(same.comparisons).toMatchObject({ compared: 10, matched: 10 });
    expect(same.latency.monolith.count).toBe(10);
    expect(routeOf(report, 'unshadowed-posts').comparisons.compared).toBe(0);
    // Every request the monolith saw on /api/same and the POSTs was a shadow or a noise probe.
    const shadowPosts = gateway.monolith.methods.filter(
      (method, i) => method === 'POST' && gateway.monolith.marks[i] === '1',
    );
    expect(shadowPosts).toHaveLength(5);
    expect(gateway.service.marks.filter((mark) => mark === '1').length).toBeGreaterThanOrEqual(25 * 4);
  });

  it('exports comparisons as Prometheus metrics and serves the dashboard with its assets', async () => {
    const metrics = await (await fetch(`${gateway.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /fig_shadow_comparisons_total\{[^}]*route="payments"[^}]*outcome="mismatched"[^}]*\} 25/,
    );
    // The same count as labelled now (nothing on this route is noise): what the dashboard's match rate reads.
    expect(metrics).toMatch(
      /fig_shadow_comparisons\{[^}]*route="payments"[^}]*outcome="mismatched"[^}]*\} 25/,
    );
    expect(metrics).toContain('fig_shadow_latency_seconds_bucket');
    const page = await fetch(`${gateway.adminUrl}/dashboard`);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('/dashboard/assets/dashboard.js');
    for (const asset of ['dashboard.js', 'dashboard.css', 'uplot.js', 'uplot.css']) {
      expect((await fetch(`${gateway.adminUrl}/dashboard/assets/${asset}`)).status).toBe(200);
    }
    const missing = await fetch(`${gateway.adminUrl}/dashboard/assets/__proto__`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('does not compare a 304: there is no answer to compare', async () => {
    const answer = await fetch(`${gateway.url}/api/cached`, { headers: { 'if-none-match': '"monolith"' } });
    expect(answer.status).toBe(304);
    const report = await gateway.until((r) => routeOf(r, 'cached').comparisons.dropped === 1);
    expect(routeOf(report, 'cached').comparisons).toMatchObject({
      compared: 0,
      droppedBy: { not_modified: 1 },
    });
  });

  it('never makes the client wait for its shadow', async () => {
    // The monolith answers at once; the service holds every request until released.
    const answer = await fetch(`${gateway.url}/api/held`);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ ok: true, side: 'same' });
    // The client has its whole answer while the shadow is still waiting on the service.
    const waiting = await gateway.until(
      (report) => report.shadow.inFlight === 1 && gateway.service.held() === 1,
    );
    expect(routeOf(waiting, 'held').comparisons.compared).toBe(0);
    gateway.service.release();
    const report = await gateway.until((r) => routeOf(r, 'held').comparisons.compared === 1);
    expect(routeOf(report, 'held').comparisons.matched).toBe(1);
  });

  it('keeps the data behind ADMIN_TOKEN while the page itself opens without it', async () => {
    const guarded = await startShadowGateway({ ADMIN_TOKEN: 'a-long-enough-admin-token' });
    try {
      expect((await fetch(`${guarded.adminUrl}/dashboard`)).status).toBe(200);
      expect((await fetch(`${guarded.adminUrl}/dashboard/assets/uplot.js`)).status).toBe(200);
      const denied = await fetch(`${guarded.adminUrl}/comparisons`);
      expect(denied.status).toBe(401);
      expect((await guarded.comparisons()).routes.length).toBeGreaterThan(0);
    } finally {
      await guarded.close();
    }
  });

  it('logs rule reloads and rejected rule files for the dashboard’s time axis', async () => {
    await gateway.rewriteRules((text) => text.replace('shadow: 100', 'shadow: 50'));
    await gateway.until((report) => report.events.some((event) => event.kind === 'reload'));
    await gateway.rewriteRules((text) => `${text}  - name: payments\n    path: /duplicate\n`);
    const report = await gateway.until((r) => r.events.some((event) => event.kind === 'reload-rejected'));
    expect(report.events.map((event) => event.kind)).toEqual(['reload', 'reload-rejected']);
    expect(routeOf(report, 'payments').shadow).toBe(50);
  });

  it('starts a route afresh on DELETE /comparisons/:route', async () => {
    const response = await fetch(`${gateway.adminUrl}/comparisons/payments`, { method: 'DELETE' });
    expect(response.status).toBe(204);
    expect(routeOf(await gateway.comparisons(), 'payments').comparisons.compared).toBe(0);
  });
});
