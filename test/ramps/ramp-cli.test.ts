import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../../gateway/test/gateway-harness.ts';
import { rampRules, startUpstreams, type Upstreams, waitFor } from './ramp-harness.ts';

const cli = fileURLToPath(new URL('../../gateway/src/ramp/ramp-cli.ts', import.meta.url));
const token = 'an-admin-token-of-some-length';

let upstreams: Upstreams;
let gateway: RunningGateway;

beforeAll(async () => {
  upstreams = await startUpstreams();
  gateway = await startGateway(
    rampRules(
      upstreams,
      `steps: [5, 50]\nminDuration: 1h\nmaxDuration: 2h\ngates: { errorRate: { max: 1% } }\napprove: [50]`,
    ),
    { ADMIN_TOKEN: token, RAMP_TICK_MS: '200' },
  );
});
afterAll(async () => {
  await gateway?.close();
  await upstreams?.close();
});

/** Runs `npm run ramp -- <args>` against the gateway's admin port. */
function ramp(args: string[], env: Record<string, string> = { ADMIN_TOKEN: token }) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { env: { PATH: process.env.PATH, FIG_ADMIN_URL: gateway.adminUrl, ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

describe('npm run ramp', () => {
  it('shows where each ramp is on its plan, and acts on one through the admin API', async () => {
    await waitFor('the start', async () => (await ramp(['status'])).stdout.includes('ramping'));
    const status = await ramp(['status', 'inventory']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^inventory: ramping, serving 5% \(floor 0%\)/);
    expect(status.stdout).toContain('plan: [5%] -> 50%*');
    expect(status.stdout).toMatch(/start: started: 5% -> 50% from floor 0%/);

    const paused = await ramp(['pause', 'inventory']);
    expect(paused.code).toBe(0);
    expect(paused.stdout).toMatch(/^inventory: paused, serving 5%/);
    const refused = await ramp(['approve', 'inventory']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^409: inventory: cannot approve: the ramp is paused, not waiting for approval/,
    );
    expect((await ramp(['resume', 'inventory'])).stdout).toMatch(/^inventory: ramping/);
  });

  it('says what went wrong: no token, no such ramp, a wrong command', async () => {
    const denied = await ramp(['status'], {});
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^401: admin token required/);
    expect((await ramp(['abort', 'nothing'])).stderr).toMatch(/^404: no ramp on route nothing/);
    expect((await ramp(['jump', 'inventory'])).code).toBe(2);
    expect((await ramp(['approve'])).code).toBe(2);
  });
});
