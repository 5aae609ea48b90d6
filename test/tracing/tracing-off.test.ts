import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningEchoUpstream, startEchoUpstream } from '@fig/testing/echo-upstream';
import { type OtlpReceiver, startOtlpReceiver } from '@fig/testing/otlp-receiver';
import { type RunningDeployable, spawnDeployable } from '@fig/testing/spawn-deployable';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Two gateways in front of one echo upstream: one with no OTLP endpoint, one exporting to a
// real receiver in the default protocol (protobuf). What the upstream and the receiver get
// from each tells what tracing changes, and that off means off.
let receiver: OtlpReceiver;
let upstream: RunningEchoUpstream;
let dir: string;
let rules: string;
const spawned: RunningDeployable[] = [];

const traceId = '0af7651916cd43dd8448eb211c80319c';
const traceparent = `00-${traceId}-b7ad6b7169203331-01`;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  upstream = await startEchoUpstream('monolith');
  dir = mkdtempSync(join(tmpdir(), 'fig-tracing-off-'));
  rules = join(dir, 'routes.yaml');
  writeFileSync(
    rules,
    `version: 1
upstreams:
  monolith: { url: ${upstream.url} }
defaults: { auth: none }
routes:
  - { name: echo, path: /api/echo }
`,
  );
});
afterAll(async () => {
  await Promise.all(spawned.map((gateway) => gateway.stop()));
  await upstream?.close();
  await receiver?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function gatewayWith(env: Record<string, string>) {
  const gateway = await spawnDeployable('gateway', {
    env: { ADMIN_PORT: '0', ROUTING_RULES: rules, AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json', ...env },
    readyAddressIndex: 0,
  });
  spawned.push(gateway);
  return gateway;
}

/** Sends one request with a client's traceparent; what the upstream received of it. */
async function through(gateway: RunningDeployable, path: string, sent = traceparent) {
  const response = await fetch(`${gateway.addresses[1]}${path}`, { headers: { traceparent: sent } });
  expect(response.status).toBe(200);
  return upstream.received.find((request) => request.url === path)!;
}

describe('tracing with no OTLP endpoint configured', () => {
  it('exports nothing, passes the client traceparent through untouched and logs no ids', async () => {
    const off = await gatewayWith({
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '',
    });
    const seen = await through(off, '/api/echo/off-marker');
    expect(seen.headers.traceparent).toBe(traceparent);
    // Its drain would export whatever it had batched.
    expect(await off.stop()).toBe(0);
    expect(off.output()).toContain('/api/echo/off-marker');
    expect(off.output()).not.toContain('trace_id');

    // A traced gateway's export arrives at the same receiver; the untraced one's never did.
    const on = await gatewayWith({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '50',
    });
    const traced = await through(on, '/api/echo/on-marker');
    // The same trace, continued: the upstream's parent is the gateway's attempt, not the client.
    expect(traced.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(traced.headers.traceparent).not.toBe(traceparent);
    const bodies = () => receiver.protobufBodies.map((body) => body.toString('latin1'));
    await receiver.waitFor(() => bodies().some((body) => body.includes('/api/echo/on-marker')));
    expect(bodies().some((body) => body.includes('off-marker'))).toBe(false);
    // The default protocol is protobuf: nothing came as JSON.
    expect(receiver.spans).toEqual([]);
    expect(bodies().some((body) => body.includes('fig.route') && body.includes('echo'))).toBe(true);
    expect(on.output()).toMatch(new RegExp(`"trace_id":"${traceId}","span_id":"[0-9a-f]{16}"`));

    // A malformed or forged traceparent is not continued: the upstream gets a new, valid trace.
    const forged = [
      'garbage',
      `00-${'0'.repeat(32)}-b7ad6b7169203331-01`,
      `ff-${traceId}-b7ad6b7169203331-01`,
      `00-${traceId}-b7ad6b7169203331-01, 00-${traceId}-b7ad6b7169203332-01`,
    ];
    for (const [i, sent] of forged.entries()) {
      const seen = await through(on, `/api/echo/forged-${i}`, sent);
      expect(seen.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
      expect(seen.headers.traceparent).not.toContain(traceId);
    }
  });
});
