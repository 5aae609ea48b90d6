import { mkdir } from 'node:fs/promises';
import { launchChromium } from '@fig/testing/browser';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../../gateway/test/gateway-harness.ts';
import {
  drive,
  rampOf,
  rampRules,
  startUpstreams,
  type Traffic,
  type Upstreams,
  waitFor,
} from './ramp-harness.ts';

let browser: Browser;
let upstreams: Upstreams;
const gateways: RunningGateway[] = [];
const traffic: Traffic[] = [];

beforeAll(async () => {
  upstreams = await startUpstreams();
  browser = await launchChromium();
});
afterAll(async () => {
  await Promise.all(traffic.map((t) => t.stop()));
  await Promise.all(gateways.map((g) => g.close()));
  await browser?.close();
  await upstreams?.close();
});

async function start(ramp: string, route = '') {
  const gateway = await startGateway(rampRules(upstreams, ramp, route), { RAMP_TICK_MS: '200' });
  gateways.push(gateway);
  traffic.push(drive(gateway.url, 2));
  return gateway;
}

/** The dashboard, with every console error, script error and failed request collected. */
async function open(gateway: RunningGateway): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${response.status()}: ${response.url()}`);
  });
  await page.goto(`${gateway.adminUrl}/dashboard`);
  return { page, problems };
}

// Real time passes on each step: generous limits, for a machine busy with other suites.
describe('ramps on the migration dashboard', { timeout: 90_000 }, () => {
  it('makes the next decision obvious: where the ramp holds, what it waits for, the evidence per gate', async () => {
    const gateway = await start(`
      steps: [10, 50, 100]
      interval: 1s
      minDuration: 1s
      minRequests: 100000
      gates: { errorRate: { max: 20%, maxIncrease: 10% } }
      approve: [100]`);
    const ramp = await waitFor('a judgement', async () => {
      const ramp = await rampOf(gateway.adminUrl);
      return ramp.evaluation && ramp.onStepMs! > 1500 && ramp;
    });
    const { page, problems } = await open(gateway);
    const card = page.locator('[data-ramp=inventory]');
    await card.waitFor();
    const decision = await card.locator('[data-decision]').textContent();
    expect(decision).toMatch(/^holding at 10%: \d+ of 100000 requests on the service side$/);
    expect(await card.locator('[data-ramp-status]').textContent()).toBe('ramping · serving 10%');
    expect(await card.locator('.plan .step.current').textContent()).toContain('10%');
    expect(await card.locator('.plan [data-step="100"] .approve').count()).toBe(1);
    // One row per gate the step judges, each with its outcome and its always-valid bounds.
    const gates = ramp.evaluation!.gates.map((gate) => gate.gate);
    expect(gates).toEqual(['errorRate.max', 'errorRate.maxIncrease']);
    for (const gate of gates) {
      const row = card.locator(`tr[data-gate="${gate}"]`);
      expect(await row.locator('.outcome').textContent()).toMatch(/^(pass|not enough evidence)$/);
      expect(await row.locator('.num').nth(1).textContent()).toMatch(/^-?[\d.]+% – -?[\d.]+%$/);
    }
    expect(await card.locator('.decisions li[data-reason=start]').count()).toBe(1);
    await mkdir('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/ramp-dashboard.png', fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows a rollback with the reason and the fields that differed', async () => {
    upstreams.health({ differs: true });
    const gateway = await start(
      `
      steps: [0, 50]
      interval: 1s
      minDuration: 2s
      minRequests: 30
      gates: { mismatches: { max: 5% } }`,
      '    shadow: 100\n',
    );
    await waitFor('the rollback', async () => (await rampOf(gateway.adminUrl)).status === 'failed');
    const { page, problems } = await open(gateway);
    const card = page.locator('[data-ramp=inventory]');
    await card.waitFor();
    expect(await card.locator('[data-ramp-status]').textContent()).toBe('failed · serving 0%');
    const rollback = card.locator('.decisions li[data-reason=gate-failed]');
    expect(await rollback.locator('.fields').textContent()).toBe('body.available');
    expect(await rollback.textContent()).toContain('rolled back to 0%: real mismatches surely above 5%');
    expect(await card.locator('tr[data-gate="mismatches.max"] .outcome').textContent()).toBe('fail');
    expect(problems).toEqual([]);
    await page.close();
    upstreams.health({});
  });
});
