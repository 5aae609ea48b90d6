import { startRedisServer, type RunningRedis } from '@fig/testing/redis-server';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
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

const plan = `
  steps: [10, 50, 100]
  interval: 1s
  minDuration: 2s
  minRequests: 30
  gates: { errorRate: { max: 20% } }
  approve: [100]`;

let upstreams: Upstreams;
let hook: WebhookReceiver;
const gateways: RunningGateway[] = [];
const traffic: Traffic[] = [];

beforeAll(async () => {
  [upstreams, hook] = await Promise.all([startUpstreams(), startWebhookReceiver()]);
});
afterAll(async () => {
  await Promise.all([upstreams.close(), hook.close()]);
});
afterEach(async () => {
  await Promise.all(traffic.splice(0).map((t) => t.stop()));
  await Promise.all(gateways.splice(0).map((g) => g.close()));
  hook.received.length = 0;
});

async function start(env: Record<string, string>) {
  const gateway = await startGateway(rampRules(upstreams, plan), {
    RAMP_TICK_MS: '200',
    RAMP_WEBHOOK_URL: hook.url,
    ...env,
  });
  gateways.push(gateway);
  traffic.push(drive(gateway.url, 2));
  return gateway;
}

const awaitingApproval = (gateway: RunningGateway) =>
  waitFor('the approval step', async () => {
    const ramp = await rampOf(gateway.adminUrl);
    return ramp.status === 'awaiting-approval' && ramp;
  });

/** Which side each of `users` is served by, through one gateway. */
async function sides(gateway: RunningGateway, users: string[]): Promise<string[]> {
  const pool = new Pool(gateway.url, { connections: 4 });
  const served: string[] = [];
  for (const user of users) {
    const response = await pool.request({
      method: 'GET',
      path: '/api/inventory/A-1',
      headers: { 'x-client-id': user },
    });
    await response.body.dump();
    served.push(String(response.headers['x-served-by']));
  }
  await pool.close();
  return served;
}

const users = Array.from({ length: 300 }, (_, i) => `person-${i}`);

// Real time passes on each step: generous limits, for a machine busy with other suites.
describe('ramp state', { timeout: 90_000 }, () => {
  it('survives a gateway restart: the new process serves the step it stopped at, and does not move on its own', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fig-ramp-'));
    try {
      const first = await start({ DATA_DIR: dataDir });
      await awaitingApproval(first);
      const before = await sides(first, users);
      await traffic.splice(0)[0]!.stop();
      await gateways.splice(0)[0]!.close();

      const second = await start({ DATA_DIR: dataDir });
      // Its very first answers already follow the saved step: the share was applied before it listened.
      expect(await sides(second, users)).toEqual(before);
      const ramp = await rampOf(second.adminUrl);
      expect(ramp).toMatchObject({ status: 'awaiting-approval', effectivePercent: 50 });
      await sleep(2500);
      expect((await rampOf(second.adminUrl)).status).toBe('awaiting-approval');
      expect(ramp.log.filter((t) => t.reason === 'start')).toHaveLength(1);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  describe('two gateways on one redis-server', () => {
    let redis: RunningRedis;
    beforeAll(async () => {
      redis = await startRedisServer();
    });
    afterAll(async () => {
      await redis.stop();
    });

    it('make one decision, serve one share, and hand over when the deciding one stops', async () => {
      const a = await start({ REDIS_URL: redis.url });
      const b = await start({ REDIS_URL: redis.url });
      await awaitingApproval(a);
      await waitFor('both to apply it', async () => (await rampOf(b.adminUrl)).effectivePercent === 50);
      const leaders = await Promise.all([a, b].map(async (g) => (await fetch(`${g.adminUrl}/ramps`)).json()));
      expect(leaders.map((r) => (r as { leader: boolean }).leader).sort()).toEqual([false, true]);
      // The same user meets the same side through either gateway.
      expect(await sides(b, users)).toEqual(await sides(a, users));

      // An operator may ask either of them.
      const follower = (leaders[0] as { leader: boolean }).leader ? b : a;
      const leader = follower === a ? b : a;
      expect((await act(follower.adminUrl, 'inventory', 'approve')).status).toBe(200);
      await waitFor('both at 100%', async () => {
        const shares = await Promise.all(
          [a, b].map(async (g) => (await rampOf(g.adminUrl)).effectivePercent),
        );
        return shares.every((share) => share === 100);
      });
      // The deciding gateway stops; the other one takes over and finishes the ramp.
      await traffic.splice(gateways.indexOf(leader), 1)[0]!.stop();
      await gateways.splice(gateways.indexOf(leader), 1)[0]!.close();
      const done = await waitFor('done', async () => {
        const ramp = await rampOf(follower.adminUrl);
        return ramp.status === 'done' && ramp;
      });
      expect(done.effectivePercent).toBe(100);
      await waitFor('the last webhook', async () => hook.received.some((t) => t.reason === 'done'));
      // Each transition was made, counted and announced once across the fleet.
      expect(hook.received.map((t) => t.reason)).toEqual([
        'start',
        'advance',
        'awaiting-approval',
        'approved',
        'done',
      ]);
      expect(new Set(hook.received.map((t) => t.id)).size).toBe(5);
    });

    it('takes one of two approvals sent at once, answers a fast 503 while Redis is away, and restores what Redis lost', async () => {
      // A fresh (in-memory) Redis: the previous ramp's state is gone.
      await redis.kill();
      await redis.restart();
      const a = await start({ REDIS_URL: redis.url });
      const b = await start({ REDIS_URL: redis.url });
      await awaitingApproval(a);
      const answers = await Promise.all([a, b].map((g) => act(g.adminUrl, 'inventory', 'approve')));
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
      await waitFor('one approval', async () => hook.received.some((t) => t.reason === 'approved'));
      await sleep(500);
      expect(hook.received.filter((t) => t.reason === 'approved')).toHaveLength(1);

      await redis.kill();
      const started = performance.now();
      const refused = await act(a.adminUrl, 'inventory', 'pause');
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ error: { code: 'GW_ERR_RAMP_STATE_UNAVAILABLE' } });
      expect(performance.now() - started).toBeLessThan(5000);
      // Both keep serving the share they last read, and say where they stand.
      expect((await rampOf(a.adminUrl)).effectivePercent).toBe(100);
      expect((await rampOf(b.adminUrl)).effectivePercent).toBe(100);
      await redis.restart();
      const paused = await waitFor('an answer once Redis is back', async () => {
        const answer = await act(a.adminUrl, 'inventory', 'pause');
        return answer.status === 200 && answer;
      });
      // The restarted Redis lost every state: the ramp goes on where it was, it does not start over.
      expect(paused.body).toMatchObject({ status: 'paused', effectivePercent: 100 });
    });
  });
});
