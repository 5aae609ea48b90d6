import { mkdir } from 'node:fs/promises';
import { launchChromium } from '@fig/testing/browser';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComparisonsReport } from '../../gateway/src/dashboard/comparisons-report.ts';
import { routeOf, type ShadowGateway, startShadowGateway } from './gateway-harness.ts';

let gateway: ShadowGateway;
let browser: Browser;
const adminToken = 'dashboard-test-token-0123456789';

beforeAll(async () => {
  // One-second buckets, so a short test run draws a match rate over time; an admin token, so
  // the page proves it can reach a protected admin port.
  gateway = await startShadowGateway({ COMPARISON_BUCKET_SECONDS: '1', ADMIN_TOKEN: adminToken });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await gateway?.close();
});

/** Client traffic over every shadowed route until stopped. */
function flow() {
  let running = true;
  const paths = [
    '/api/payments/pay-1',
    '/api/clock',
    '/api/inventory/all',
    '/api/orders/o-1',
    '/api/same',
    '/api/products',
  ];
  const done = (async () => {
    for (let i = 0; running; i++) {
      await Promise.all(
        paths.map((path) => fetch(`${gateway.url}${path}?n=${i}`).then((r) => r.arrayBuffer())),
      );
      // A moderate rate: the machine is shared, and the page must stay responsive.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return async () => {
    running = false;
    await done;
  };
}

const settled = (report: ComparisonsReport) => report.shadow.inFlight === 0 && report.shadow.queued === 0;
const number = (text: string | null) => Number((text ?? '').replace(/,/g, ''));

describe('the migration dashboard in a browser', () => {
  it(
    'shows live numbers that match /comparisons, verdicts, differing fields and events',
    { timeout: 90_000 },
    async () => {
      const stop = flow();
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
      // The page must run clean: no console error, no script error, no request failing or refused.
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('requestfailed', (request) =>
        problems.push(`failed: ${request.url()} ${request.failure()?.errorText}`),
      );
      page.on('response', (response) => {
        if (response.status() >= 400) problems.push(`${response.status()}: ${response.url()}`);
      });
      await page.goto(`${gateway.adminUrl}/dashboard#token=${adminToken}`);
      await page.waitForFunction(
        "Number(document.querySelector('[data-route=payments] [data-stat=compared]')?.textContent.replace(/,/g, '')) > 0",
      );
      // A reload while traffic flows shows on the same time axis.
      await gateway.rewriteRules((text) => text.replace('percent: 100', 'percent: 50'));
      await gateway.until((report) => report.events.some((event) => event.kind === 'reload'));
      await gateway.until((report) => routeOf(report, 'payments').timeline.length >= 6);
      await stop();

      const report = await gateway.until(settled);
      // The page polls on its own: wait for a refresh that saw the settled state.
      await page.waitForFunction(`Number(document.body.dataset.updated) > ${report.generatedAt}`, undefined, {
        timeout: 10_000,
      });

      for (const name of ['payments', 'clock', 'inventory', 'orders', 'same']) {
        const route = routeOf(report, name);
        const card = page.locator(`[data-route="${name}"]`);
        for (const stat of ['compared', 'matched', 'noise', 'mismatched', 'dropped'] as const) {
          expect(number(await card.locator(`[data-stat=${stat}]`).textContent()), `${name} ${stat}`).toBe(
            route.comparisons[stat],
          );
        }
        expect(await card.locator('[data-verdict]').textContent()).toBe(route.verdict.text);
        for (const side of ['monolith', 'service'] as const) {
          const requests = await card.locator(`tr[data-side=${side}] [data-cell=requests]`).textContent();
          expect(number(requests), `${name} ${side} requests`).toBe(route.traffic[side].requests);
        }
      }
      const payments = routeOf(report, 'payments');
      expect(payments.verdict.state).toBe('hold');
      const amount = page.locator('[data-route=payments] tr[data-field="body.amount_cents"]');
      expect(await amount.locator('.pill').textContent()).toBe('differs');
      expect(await amount.locator('td.example').allTextContents()).toEqual(['1200', '1250']);
      const clock = page.locator('[data-route=clock] tr[data-field="body.generated_at"] .pill');
      expect(await clock.textContent()).toBe('noise');
      expect(await page.locator('#events li .kind').allTextContents()).toContain('reload');
      expect(await page.locator('[data-route=payments] .uplot canvas').count()).toBeGreaterThan(0);

      await mkdir('test-results', { recursive: true });
      await page.screenshot({ path: 'test-results/migration-dashboard.png', fullPage: true });
      await page.screenshot({ path: 'test-results/migration-dashboard-top.png' });
      // The token never stays in the address bar.
      expect(page.url()).toBe(`${gateway.adminUrl}/dashboard`);
      expect(problems).toEqual([]);

      // An operator starts a route's evidence afresh after a fix.
      page.once('dialog', (dialog) => void dialog.accept());
      await page.click('[data-route=orders] .reset');
      const afterReset = await gateway.until((r) => routeOf(r, 'orders').comparisons.compared === 0);
      expect(routeOf(afterReset, 'payments').comparisons.compared).toBe(
        routeOf(report, 'payments').comparisons.compared,
      );
      expect(problems).toEqual([]);
      await page.close();
    },
  );
});
