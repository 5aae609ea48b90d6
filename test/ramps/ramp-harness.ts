// What the ramp suites share: upstreams whose health a test sets, rules with a ramp, steady
// traffic through a gateway, the admin's /ramps, and a webhook receiver.
import { type RunningEchoUpstream, startEchoUpstream } from '@fig/testing/echo-upstream';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import type { RampsReport, RampReport } from '../../gateway/src/ramp/ramp-report.ts';
import type { Transition } from '../../gateway/src/ramp/ramp-state.ts';

/**
 * How the service answers: a share of 5xx, a field that differs from the monolith's answer,
 * and how much later than the monolith it answers.
 */
export interface ServiceHealth {
  errorRate?: number;
  differs?: boolean;
  delayMs?: number;
}

export interface Upstreams {
  monolith: RunningEchoUpstream;
  service: RunningEchoUpstream;
  health(health: ServiceHealth): void;
  close(): Promise<void>;
}

/** A monolith and a service answering stock alike, until `health` says otherwise. */
export async function startUpstreams(): Promise<Upstreams> {
  const [monolith, service] = await Promise.all([
    startEchoUpstream('monolith'),
    startEchoUpstream('inventory'),
  ]);
  const answer = (available: number) => (response: import('node:http').ServerResponse) =>
    void response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ sku: 'A-1', available }));
  monolith.behave((_request, response) => {
    answer(7)(response);
    return true;
  });
  const health = (health: ServiceHealth) =>
    service.behave((_request, response) => {
      const respond = () => {
        if (health.errorRate && Math.random() < health.errorRate) {
          response
            .writeHead(500, { 'content-type': 'application/json' })
            .end('{"error":{"code":"BOOM","message":"boom"}}');
        } else answer(health.differs ? 8 : 7)(response);
      };
      if (health.delayMs) setTimeout(respond, health.delayMs);
      else respond();
      return true;
    });
  health({});
  return {
    monolith,
    service,
    health,
    close: async () => {
      await Promise.all([monolith.close(), service.close()]);
    },
  };
}

/** routes.yaml with one ramped route, sticky by a header so tests can ask as many users. */
export function rampRules(upstreams: Upstreams, ramp: string, route = ''): string {
  return `version: 1
upstreams:
  monolith: { url: ${upstreams.monolith.url}, timeout: 2s }
  inventory: { url: ${upstreams.service.url}, timeout: 2s }
defaults:
  auth: none
  rateLimit: { max: 1000000 }
routes:
  - name: inventory
    path: /api/inventory
    service: inventory
    percent: 0
    sticky: header:x-client-id
${route}    ramp:
${ramp
  .trim()
  .split('\n')
  .map((line) => `      ${line.trim()}`)
  .join('\n')}
`;
}

export interface Traffic {
  /** Requests answered so far, by the side that served them (x-served-by). */
  served: Record<string, number>;
  stop(): Promise<void>;
}

/**
 * Steady traffic until stopped: from many users (a new one per request), or from whoever
 * `user` names for each request.
 */
export function drive(url: string, workers = 4, user?: () => string): Traffic {
  const pool = new Pool(url, { connections: workers });
  const served: Record<string, number> = {};
  let running = true;
  let n = 0;
  const worker = async () => {
    while (running) {
      try {
        const response = await pool.request({
          method: 'GET',
          path: '/api/inventory/A-1',
          headers: { 'x-client-id': user?.() ?? `user-${n++}-${Math.random()}` },
        });
        await response.body.dump();
        const side = String(response.headers['x-served-by']);
        served[side] = (served[side] ?? 0) + 1;
      } catch {
        await sleep(10);
      }
    }
  };
  const done = Promise.all(Array.from({ length: workers }, worker));
  return {
    served,
    async stop() {
      running = false;
      await done;
      await pool.close();
    },
  };
}

export async function rampsOf(adminUrl: string, token?: string): Promise<RampsReport> {
  const response = await fetch(`${adminUrl}/ramps`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  if (!response.ok) throw new Error(`GET /ramps: ${response.status}`);
  return (await response.json()) as RampsReport;
}

export async function rampOf(adminUrl: string, token?: string): Promise<RampReport> {
  return (await rampsOf(adminUrl, token)).ramps[0]!;
}

/** Polls `check` until it returns something truthy; fails with `what` and the last value. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
) {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    const value = await check().catch((error: unknown) => {
      last = error;
      return undefined;
    });
    if (value) return value;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
}

export async function act(adminUrl: string, route: string, action: string, token?: string) {
  const response = await fetch(`${adminUrl}/ramps/${route}/${action}`, {
    method: 'POST',
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export interface WebhookReceiver {
  url: string;
  received: Transition[];
  close(): Promise<void>;
}

/** An HTTP server collecting what the ramp webhook posts. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: Transition[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push(JSON.parse(body) as Transition);
      response.writeHead(204).end();
    });
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
