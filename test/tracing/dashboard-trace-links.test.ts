import { startTracing, stopTracing } from '@fig/platform/tracing';
import { launchChromium } from '@fig/testing/browser';
import { type OtlpReceiver, startOtlpReceiver } from '@fig/testing/otlp-receiver';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeOf, type ShadowGateway, startShadowGateway } from '../shadow/gateway-harness.ts';

// The gateway in this process with tracing on (its shadow worker too), in front of two
// upstreams that differ in known ways, and the dashboard in a real browser: an example of a
// difference links to the traces of the request and of its shadow.
let receiver: OtlpReceiver;
let gateway: ShadowGateway;
let browser: Browser;
const template = 'http://traces.example/trace/{trace_id}?from=fig';

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
  process.env.OTEL_EXPORTER_OTLP_PROTOCOL = 'http/json';
  process.env.OTEL_BSP_SCHEDULE_DELAY = '50';
  expect(await startTracing('gateway')).toBe(true);
  gateway = await startShadowGateway({ TRACE_URL_TEMPLATE: template });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await gateway?.close();
  await stopTracing();
  await receiver?.close();
});

describe('the dashboard with tracing on', () => {
  it('links each side of an example to its trace', { timeout: 60_000 }, async () => {
    for (let i = 0; i < 3; i++) await (await fetch(`${gateway.url}/api/payments/pay-1?n=${i}`)).arrayBuffer();
    const report = await gateway.until((r) =>
      routeOf(r, 'payments').fields.some((field) => field.examples.some((example) => example.traces)),
    );
    expect(report.traceUrl).toBe(template);
    const field = routeOf(report, 'payments').fields.find(
      (candidate) => candidate.field === 'body.amount_cents',
    )!;
    const example = field.examples[0]!;
    const bySide = {
      [example.leftSide]: example.traces!.primary,
      [example.rightSide]: example.traces!.shadow,
    };
    // Both ids name traces the receiver really got: the request's and its shadow's.
    await receiver.waitFor(
      (spans) =>
        spans.some((span) => span.traceId === example.traces!.primary && span.kind === 2) &&
        spans.some(
          (span) => span.traceId === example.traces!.shadow && span.attributes['fig.shadow'] === true,
        ),
    );

    const page = await browser.newPage();
    await page.goto(`${gateway.adminUrl}/dashboard`);
    const links = page.locator('[data-route=payments] tr[data-field="body.amount_cents"] a.trace-link');
    await links.first().waitFor();
    const hrefs = await links.evaluateAll((anchors) =>
      anchors.map((a) => (a as unknown as { href: string }).href),
    );
    // The page shows the newest example, which may be a later request's than the one read
    // above: its links must be the monolith's trace, then the service's, of an example the
    // report holds now.
    const shown = routeOf(await gateway.comparisons(), 'payments').fields.find(
      (candidate) => candidate.field === 'body.amount_cents',
    )!;
    const linkPairs = shown.examples
      .filter((candidate) => candidate.traces)
      .map((candidate) => {
        const traceOf = {
          [candidate.leftSide]: candidate.traces!.primary,
          [candidate.rightSide]: candidate.traces!.shadow,
        };
        return [
          template.replace('{trace_id}', traceOf.monolith!),
          template.replace('{trace_id}', traceOf.service!),
        ];
      });
    expect(linkPairs).toContainEqual(hrefs);
    expect(linkPairs).toContainEqual([
      template.replace('{trace_id}', bySide.monolith!),
      template.replace('{trace_id}', bySide.service!),
    ]);
    expect(await links.first().getAttribute('rel')).toBe('noopener noreferrer');
    await page.close();
  });
});
