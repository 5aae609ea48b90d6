import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../../gateway/test/gateway-harness.ts';
import {
  act,
  drive,
  rampOf,
  rampRules,
  startUpstreams,
  startWebhookReceiver,
  type Traffic,
  type Upstreams,
  waitFor,
  type WebhookReceiver,
} from './ramp-harness.ts';

// Compressed time: judged every second, two seconds at least on a step.
const quick = `
  interval: 1s
  minDuration: 2s
  minRequests: 30`;

let upstreams: Upstreams;
let hook: WebhookReceiver;
let gateway: RunningGateway | undefined;
let traffic: Traffic | undefined;

beforeAll(async () => {
  [upstreams, hook] = await Promise.all([startUpstreams(), startWebhookReceiver()]);
});
afterAll(async () => {
  await Promise.all([upstreams.close(), hook.close()]);
});
afterEach(async () => {
  await traffic?.stop();
  await gateway?.close();
  traffic = undefined;
  gateway = undefined;
  upstreams.health({});
  hook.received.length = 0;
});

async function start(ramp: string, route = '') {
  gateway = await startGateway(rampRules(upstreams, ramp, route), {
    RAMP_TICK_MS: '200',
    RAMP_WEBHOOK_URL: hook.url,
  });
  traffic = drive(gateway.url);
  return gateway;
}

// Real time passes on each step: generous limits, for a machine busy with other suites.
describe('a ramp', { timeout: 90_000 }, () => {
  it('walks a healthy service through every step, waits for approval where told, and says each move once', async () => {
    const edge = await start(`
      steps: [10, 50, 100]
      ${quick}
      gates: { errorRate: { max: 20% } }
      approve: [100]`);
    const waiting = await waitFor('the approval step', async () => {
      const ramp = await rampOf(edge.adminUrl);
      return ramp.status === 'awaiting-approval' && ramp;
    });
    expect(waiting.effectivePercent).toBe(50);
    expect(waiting.evaluation?.text).toMatch(
      /^50% passed \(service 5xx surely below 20%.*\); 100% waits for approval$/,
    );
    // Waiting means waiting: the share stays at 50% however long the evidence stays good.
    await sleep(2500);
    expect((await rampOf(edge.adminUrl)).status).toBe('awaiting-approval');
    const before = { ...traffic!.served };
    await sleep(1000);
    const service = (traffic!.served.inventory ?? 0) - (before.inventory ?? 0);
    const all = service + (traffic!.served.monolith ?? 0) - (before.monolith ?? 0);
    expect(service / all).toBeGreaterThan(0.35);
    expect(service / all).toBeLessThan(0.65);

    const approved = await act(edge.adminUrl, 'inventory', 'approve');
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'ramping', effectivePercent: 100 });
    const done = await waitFor('done', async () => {
      const ramp = await rampOf(edge.adminUrl);
      return ramp.status === 'done' && ramp;
    });
    expect(done.effectivePercent).toBe(100);
    await waitFor('the last webhook', async () => hook.received.some((t) => t.reason === 'done'));
    expect(hook.received.map((t) => [t.reason, t.from, t.to, t.state])).toEqual([
      ['start', 0, 10, 'ramping'],
      ['advance', 10, 50, 'ramping'],
      ['awaiting-approval', 50, 50, 'awaiting-approval'],
      ['approved', 50, 100, 'ramping'],
      ['done', 100, 100, 'done'],
    ]);
    expect(new Set(hook.received.map((t) => t.id)).size).toBe(hook.received.length);
    expect(done.log.map((t) => t.reason)).toEqual([
      'done',
      'approved',
      'awaiting-approval',
      'advance',
      'start',
    ]);
    const metrics = await edge.metrics();
    expect(metrics).toMatch(/^fig_ramp_percent\{route="inventory",service="gateway"\} 100$/m);
    expect(metrics).toMatch(
      /^fig_ramp_transitions_total\{route="inventory",reason="advance",service="gateway"\} 1$/m,
    );
  });

  it('rolls a service with a few percent of 5xx back to its floor, and it stays back', async () => {
    upstreams.health({ errorRate: 0.08 });
    const edge = await start(`
      steps: [50, 100]
      ${quick}
      gates: { errorRate: { max: 1% } }`);
    const failed = await waitFor('the rollback', async () => {
      const ramp = await rampOf(edge.adminUrl);
      return ramp.status === 'failed' && ramp;
    });
    expect(failed.effectivePercent).toBe(0);
    expect(failed.log[0]).toMatchObject({ reason: 'gate-failed', from: 50, to: 0 });
    expect(failed.log[0]!.text).toMatch(/^rolled back to 0%: service 5xx surely above 1%/);
    // Stopped: no user is sent to the service any more, and no new step is taken.
    await sleep(300);
    const before = traffic!.served.inventory ?? 0;
    await sleep(3000);
    expect(traffic!.served.inventory ?? 0).toBe(before);
    const ramp = await rampOf(edge.adminUrl);
    expect(ramp.status).toBe('failed');
    expect(hook.received.filter((t) => t.reason === 'gate-failed')).toHaveLength(1);

    // A changed ramp in the file is a new plan: it starts again from its first step.
    upstreams.health({});
    await edge.updateRules(
      rampRules(
        upstreams,
        `
      steps: [25, 100]
      ${quick}
      gates: { errorRate: { max: 1% } }`,
      ),
    );
    const again = await waitFor('the new ramp', async () => {
      const ramp = await rampOf(edge.adminUrl);
      return ramp.status === 'ramping' && ramp;
    });
    expect(again).toMatchObject({ effectivePercent: 25, step: 0 });
    expect(again.log[0]).toMatchObject({ reason: 'start', from: 0, to: 25 });
  });

  it('keeps watching a ramp that is done: a service failing at 100% goes back to its floor, and stays back', async () => {
    const edge = await start(`
      steps: [50, 100]
      ${quick}
      gates: { errorRate: { max: 20% } }`);
    await waitFor('done', async () => (await rampOf(edge.adminUrl)).status === 'done');
    // Every user is on the service now; then it starts failing most requests.
    upstreams.health({ errorRate: 0.9 });
    const failed = await waitFor('the rollback', async () => {
      const ramp = await rampOf(edge.adminUrl);
      return ramp.status === 'failed' && ramp;
    });
    expect(failed.effectivePercent).toBe(0);
    expect(failed.log[0]).toMatchObject({ reason: 'critical', from: 100, to: 0, state: 'failed' });
    expect(failed.log[0]!.text).toMatch(
      /^rolled back to 0%: service 5xx \d+ of \d+ in the last interval, above the 40% ceiling$/,
    );
    await waitFor('the webhook', async () => hook.received.some((t) => t.reason === 'critical'));
    // Stopped: no user reaches the service any more.
    await sleep(300);
    const before = traffic!.served.inventory ?? 0;
    await sleep(2000);
    expect(traffic!.served.inventory ?? 0).toBe(before);
    expect((await rampOf(edge.adminUrl)).status).toBe('failed');
    expect(hook.received.filter((t) => t.reason === 'critical')).toHaveLength(1);
  });

  it('rolls back a service that answers 50 ms later than the monolith, on the latency gate', async () => {
    upstreams.health({ delayMs: 50 });
    const edge = await start(`
      steps: [50, 100]
      ${quick}
      gates: { errorRate: { max: 20% }, latency: { p99Increase: 20% } }`);
    const failed = await waitFor('the rollback', async () => {
      const ramp = await rampOf(edge.adminUrl);
      return ramp.status === 'failed' && ramp;
    });
    expect(failed.effectivePercent).toBe(0);
    expect(failed.log[0]).toMatchObject({ reason: 'gate-failed', from: 50, to: 0 });
    expect(failed.log[0]!.text).toMatch(
      /^rolled back to 0%: p99 \d+ ms vs monolith \d+ ms \(limit \d+ ms\): surely slower/,
    );
    const latency = failed.evaluation!.gates.find((gate) => gate.gate === 'latency.p99Increase')!;
    expect(latency.outcome).toBe('fail');
    await waitFor('the webhook', async () => hook.received.some((t) => t.reason === 'gate-failed'));
  });

  it('never passes a shadow gate while one field answers differently, and names it', async () => {
    upstreams.health({ differs: true });
    const edge = await start(
      `
      steps: [0, 50]
      ${quick}
      gates: { mismatches: { max: 5% } }`,
      '    shadow: 100\n',
    );
    const failed = await waitFor('the shadow gate to fail', async () => {
      const ramp = await rampOf(edge.adminUrl);
      return ramp.status === 'failed' && ramp;
    });
    expect(failed.log[0]).toMatchObject({
      reason: 'gate-failed',
      from: 0,
      to: 0,
      fields: ['body.available'],
    });
    expect(failed.log.some((t) => t.reason === 'advance')).toBe(false);
    // Nobody was ever sent to the service: only shadows reached it.
    expect(traffic!.served.inventory ?? 0).toBe(0);
  });

  it('never promotes on too little traffic: it holds and says what is missing', async () => {
    const edge = await start(`
      steps: [10, 100]
      interval: 1s
      minDuration: 2s
      minRequests: 100000
      gates: { errorRate: { max: 20% } }`);
    const holding = await waitFor('a judgement', async () => {
      const ramp = await rampOf(edge.adminUrl);
      return ramp.evaluation && ramp.onStepMs! > 3000 && ramp;
    });
    expect(holding.status).toBe('ramping');
    expect(holding.effectivePercent).toBe(10);
    expect(holding.evaluation!.text).toMatch(/^holding at 10%: \d+ of 100000 requests on the service side$/);
    expect(holding.log.map((t) => t.reason)).toEqual(['start']);
  });

  it('pauses, resumes, aborts and approves only when that makes sense', async () => {
    const edge = await start(`
      steps: [10, 50]
      interval: 1s
      minDuration: 1h
      maxDuration: 2h
      gates: { errorRate: { max: 20% } }
      approve: [50]`);
    await waitFor('the start', async () => (await rampOf(edge.adminUrl)).status === 'ramping');
    expect((await act(edge.adminUrl, 'inventory', 'approve')).body).toMatchObject({
      error: { code: 'GW_ERR_RAMP_CONFLICT' },
    });
    expect((await act(edge.adminUrl, 'nothing', 'pause')).status).toBe(404);
    expect((await act(edge.adminUrl, 'inventory', 'jump')).status).toBe(400);
    const paused = await act(edge.adminUrl, 'inventory', 'pause');
    expect(paused.body).toMatchObject({ status: 'paused', effectivePercent: 10 });
    expect((await act(edge.adminUrl, 'inventory', 'pause')).status).toBe(409);
    expect((await act(edge.adminUrl, 'inventory', 'resume')).body).toMatchObject({ status: 'ramping' });
    const aborted = await act(edge.adminUrl, 'inventory', 'abort');
    expect(aborted.body).toMatchObject({ status: 'aborted', effectivePercent: 0 });
    await sleep(300);
    const before = traffic!.served.inventory ?? 0;
    await sleep(1000);
    expect(traffic!.served.inventory ?? 0).toBe(before);
    // After a stop, resume starts again at the first step.
    const resumed = await act(edge.adminUrl, 'inventory', 'resume');
    expect(resumed.body).toMatchObject({ status: 'ramping', step: 0, effectivePercent: 10 });
    await waitFor('the webhook', async () => hook.received.length >= 5);
    expect(hook.received.map((t) => t.reason)).toEqual(['start', 'paused', 'resumed', 'aborted', 'resumed']);
  });
});
