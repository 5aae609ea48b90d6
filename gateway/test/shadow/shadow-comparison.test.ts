import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareOptions } from '../../src/shadow/comparison/compare-options.ts';
import type { CapturedResponse } from '../../src/shadow/comparison/compare-responses.ts';
import { ComparisonRecorder } from '../../src/shadow/comparison/comparison-recorder.ts';
import { routeReport } from '../../src/dashboard/route-report.ts';
import { MemoryComparisonStore } from '../../src/shadow/comparison/memory-comparison-store.ts';
import { ShadowDispatcher } from '../../src/shadow/worker/shadow-dispatcher.ts';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

const sendJson = (response: ServerResponse, status: number, body: unknown) => {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};

/** Answers `/jitter` with 40, 41, 40, …: a value that differs between two answers in a row, of either side. */
function jitter(calls: number) {
  return (response: ServerResponse) => sendJson(response, 200, { id: 'p-1', value: 40 + (calls++ % 2) });
}
// Out of step, so the two sides differ in every comparison until the monolith is asked twice.
const monolithJitter = jitter(0);
const serviceJitter = jitter(1);

/** The legacy answers. */
const monolith: Handler = (request, response) => {
  const url = request.url ?? '';
  if (url.startsWith('/jitter')) return monolithJitter(response);
  if (url.startsWith('/always')) return sendJson(response, 200, { id: 'p-1', amount_cents: 1000 });
  if (url.startsWith('/noisy'))
    return sendJson(response, 200, { id: 'p-1', generated_at: `${process.hrtime.bigint()}` });
  if (url.startsWith('/reordered'))
    return sendJson(response, 200, {
      items: [
        { sku: 'A', n: 1 },
        { sku: 'B', n: 2 },
      ],
    });
  if (url.startsWith('/status')) return sendJson(response, 200, { id: 'p-1' });
  if (url.startsWith('/slow')) return void setTimeout(() => sendJson(response, 200, {}), 1000);
  if (url.startsWith('/big')) return sendJson(response, 200, { blob: 'x'.repeat(4096) });
  sendJson(response, 200, { id: 'p-1' });
};

/** The extracted service: the same, except for the differences under test. */
const shadowMarks: (string | undefined)[] = [];
/** What reached the service on `/write`: method and its `x-fig-dry-run`. */
const writes: [string, string | undefined][] = [];
const service: Handler = (request, response) => {
  const url = request.url ?? '';
  if (url.startsWith('/write'))
    writes.push([request.method ?? '', request.headers['x-fig-dry-run'] as string]);
  if (url.startsWith('/same')) shadowMarks.push(request.headers['x-fig-shadow'] as string | undefined);
  if (url.startsWith('/always')) return sendJson(response, 200, { id: 'p-1', amount_cents: 1100 });
  if (url.startsWith('/jitter')) return serviceJitter(response);
  if (url.startsWith('/reordered'))
    return sendJson(response, 200, {
      items: [
        { sku: 'B', n: 2 },
        { sku: 'A', n: 1 },
      ],
    });
  if (url.startsWith('/status'))
    return sendJson(response, 404, { error: { code: 'NOT_FOUND', message: 'no' } });
  monolith(request, response);
};

async function listen(handler: Handler): Promise<{ server: Server; origin: string }> {
  const server = createServer(handler).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, origin: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

/** What the proxy captures for the client: the serving side's answer and its latency. */
async function ask(origin: string, url: string): Promise<{ response: CapturedResponse; ms: number }> {
  const started = performance.now();
  const answer = await fetch(`${origin}${url}`);
  const body = Buffer.from(await answer.arrayBuffer());
  return {
    response: { status: answer.status, headers: Object.fromEntries(answer.headers), body, truncated: false },
    ms: performance.now() - started,
  };
}

let legacy: { server: Server; origin: string };
let extracted: { server: Server; origin: string };

beforeAll(async () => {
  [legacy, extracted] = await Promise.all([listen(monolith), listen(service)]);
});
afterAll(() => {
  legacy.server.closeAllConnections();
  extracted.server.closeAllConnections();
  legacy.server.close();
  extracted.server.close();
});

function harness(limits = {}) {
  const store = new MemoryComparisonStore();
  const recorder = new ComparisonRecorder(store);
  const dispatcher = new ShadowDispatcher(recorder, { warmupProbes: 5, ...limits });
  return { store, recorder, dispatcher };
}

async function shadowMany(
  dispatcher: ShadowDispatcher,
  route: string,
  url: string,
  config: Parameters<typeof compareOptions>[0] = {},
  times = 30,
) {
  const options = compareOptions(config);
  for (let i = 0; i < times; i++) {
    const primary = await ask(legacy.origin, url);
    dispatcher.submit({
      route,
      options,
      method: 'GET',
      url,
      headers: { accept: 'application/json', authorization: 'Bearer secret' },
      primary: { side: 'monolith', origin: legacy.origin, ...primary },
      target: { side: 'service', origin: extracted.origin, dryRun: false },
    });
  }
  await dispatcher.idle();
}

const report = async (store: MemoryComparisonStore, route: string, config = {}) =>
  routeReport(
    {
      name: route,
      path: `/${route}`,
      service: 'svc',
      percent: 0,
      shadow: 100,
      options: compareOptions(config),
    },
    (await store.snapshot()).get(route),
  );

describe('shadow comparison against real upstreams', () => {
  it('classifies a field that always differs as a real difference, with redacted-safe examples', async () => {
    const { store, dispatcher } = harness();
    await shadowMany(dispatcher, 'always', '/always?token=abc', { showValues: ['amount_cents'] });
    const result = await report(store, 'always');
    expect(result.comparisons).toMatchObject({ compared: 30, mismatched: 30, matched: 0, noise: 0 });
    expect(result.fields[0]).toMatchObject({
      field: 'body.amount_cents',
      verdict: 'real',
      rate: 1,
      noiseRate: 0,
    });
    expect(result.fields[0].examples[0]).toMatchObject({
      left: 1000,
      right: 1100,
      leftSide: 'monolith',
      rightSide: 'service',
      url: '/always?token=[redacted]',
    });
    expect(result.verdict.text).toBe('hold: amount_cents differs in 100.0%');
    expect(result.latency.monolith.count).toBe(30);
    expect(result.latency.service.p99).toBeGreaterThan(0);
    await dispatcher.close();
  });

  it('learns that a timestamp differing between two answers of the same side is noise, and shows it', async () => {
    const { store, dispatcher } = harness();
    await shadowMany(dispatcher, 'noisy', '/noisy');
    const result = await report(store, 'noisy');
    expect(result.comparisons).toMatchObject({ compared: 30, mismatched: 0, noise: 30 });
    expect(result.comparisons.noiseProbes).toBeGreaterThanOrEqual(5);
    expect(result.fields).toEqual([
      expect.objectContaining({ field: 'body.generated_at', verdict: 'noise', rate: 1, noiseRate: 1 }),
    ]);
    expect(result.comparisons.matchRate).toBe(1);
    await dispatcher.close();
  });

  it('labels comparisons again once a field is learnt to be noise: its early differences stop counting', async () => {
    const { store, dispatcher } = harness({ warmupProbes: 0 });
    // No noise probes yet: the jittering value looks like a real difference in every other comparison.
    for (let i = 0; i < 30; i++) await shadowMany(dispatcher, 'jitter', '/jitter', { noiseSample: 0 }, 1);
    const early = await report(store, 'jitter');
    expect(early.comparisons.mismatched).toBeGreaterThan(0);
    expect(early.verdict.text).toMatch(/^hold: value differs in/);
    // Then the monolith asked twice differs from itself as often: the field is noise, and was all along.
    // One at a time, so each side's answers alternate as described.
    for (let i = 0; i < 80; i++) await shadowMany(dispatcher, 'jitter', '/jitter', { noiseSample: 100 }, 1);
    const result = await report(store, 'jitter');
    expect(result.fields).toEqual([expect.objectContaining({ field: 'body.value', verdict: 'noise' })]);
    expect(result.comparisons).toMatchObject({ compared: 110, mismatched: 0 });
    expect(result.comparisons.matched + result.comparisons.noise).toBe(110);
    expect(result.comparisons.matchRate).toBe(1);
    expect(result.verdict.text).toMatch(/^ready for 1%: 100\.0% match over 110 comparisons/);
    // The chart's buckets say the same as the totals.
    const bucketed = result.timeline.reduce((sum, bucket) => sum + (bucket.counts.mismatched ?? 0), 0);
    expect(bucketed).toBe(0);
    await dispatcher.close();
  });

  it('matches a reordered array paired by a configured key, and reports it by position otherwise', async () => {
    const keyed = harness();
    await shadowMany(keyed.dispatcher, 'keyed', '/reordered', { arrayKeys: { items: 'sku' } });
    expect((await report(keyed.store, 'keyed')).comparisons).toMatchObject({ compared: 30, matched: 30 });

    const positional = harness();
    await shadowMany(positional.dispatcher, 'positional', '/reordered');
    const result = await report(positional.store, 'positional');
    expect(result.comparisons).toMatchObject({ compared: 30, mismatched: 30 });
    expect(result.fields.map((field) => field.field).sort()).toEqual([
      'body.items[*].n',
      'body.items[*].sku',
    ]);
    await Promise.all([keyed.dispatcher.close(), positional.dispatcher.close()]);
  });

  it('reports a status mismatch with both statuses', async () => {
    const { store, dispatcher } = harness();
    await shadowMany(dispatcher, 'status', '/status', {}, 10);
    const result = await report(store, 'status');
    expect(result.comparisons).toMatchObject({ compared: 10, mismatched: 10 });
    const status = result.fields.find((field) => field.field === 'status');
    expect(status).toMatchObject({ verdict: 'real', rate: 1 });
    expect(status?.examples[0]).toMatchObject({ left: 200, right: 404, status: [200, 404] });
    await dispatcher.close();
  });

  it('marks shadow requests with x-fig-shadow and counts identical answers as matched', async () => {
    const { store, dispatcher } = harness();
    await shadowMany(dispatcher, 'same', '/same', {}, 10);
    const result = await report(store, 'same');
    expect(result.comparisons).toMatchObject({ compared: 10, matched: 10, mismatched: 0, noise: 0 });
    expect(result.fields).toEqual([]);
    expect(shadowMarks).toEqual(Array(10).fill('1'));
    await dispatcher.close();
  });

  it('sends a write only as a dry run, only to a side that declares them, and never a client x-fig-* header', async () => {
    const { store, dispatcher } = harness();
    const options = compareOptions({ methods: ['POST', 'DELETE'] });
    const primary = await ask(legacy.origin, '/write');
    const job = (method: string, dryRun: boolean, headers: Record<string, string> = {}) => ({
      route: 'writes',
      options,
      method,
      url: '/write',
      headers,
      body: method === 'POST' ? Buffer.from('{"amount_cents":100}') : undefined,
      primary: { side: 'monolith' as const, origin: legacy.origin, ...primary },
      target: { side: 'service' as const, origin: extracted.origin, dryRun },
    });
    writes.length = 0;
    dispatcher.submit(job('POST', false));
    dispatcher.submit(job('DELETE', false));
    await dispatcher.idle();
    expect(writes).toEqual([]);
    dispatcher.submit(job('POST', true));
    dispatcher.submit(job('DELETE', true, { 'X-Fig-Dry-Run': '0' }));
    // A read is no dry run, whatever the request said.
    dispatcher.submit(job('GET', false, { 'x-fig-dry-run': '1', 'x-fig-backend': 'service' }));
    await dispatcher.idle();
    expect(writes.toSorted()).toEqual([
      ['DELETE', '1'],
      ['GET', undefined],
      ['POST', '1'],
    ]);
    const result = await report(store, 'writes');
    expect(result.comparisons.droppedBy).toEqual({ no_dry_run: 2 });
    expect(result.comparisons.compared).toBe(3);
    await dispatcher.close();
  });

  it('drops and counts what it cannot compare: a full queue, a timeout, a body over the cap', async () => {
    const { store, dispatcher } = harness({ concurrency: 1, queue: 1, timeoutMs: 200, maxBodyBytes: 1024 });
    const options = compareOptions();
    const primary = await ask(legacy.origin, '/same');
    for (const url of ['/slow', '/slow', '/slow', '/slow']) {
      dispatcher.submit({
        route: 'limits',
        options,
        method: 'GET',
        url,
        headers: {},
        primary: { side: 'monolith', origin: legacy.origin, ...primary },
        target: { side: 'service', origin: extracted.origin, dryRun: false },
      });
    }
    await dispatcher.idle();
    dispatcher.submit({
      route: 'limits',
      options,
      method: 'GET',
      url: '/big',
      headers: {},
      primary: { side: 'monolith', origin: legacy.origin, ...primary },
      target: { side: 'service', origin: extracted.origin, dryRun: false },
    });
    await dispatcher.idle();
    const result = await report(store, 'limits');
    expect(result.comparisons.droppedBy).toEqual({ queue_full: 2, timeout: 2, body_too_large: 1 });
    expect(result.comparisons.compared).toBe(0);
    await dispatcher.close();
  });
});
