import { loggerOptions } from '@fig/platform';
import {
  currentTraceIds,
  linkFromEventMetadata,
  startTracing,
  stopTracing,
  withSpan,
} from '@fig/platform/tracing';
import { type OtlpReceiver, startOtlpReceiver } from '@fig/testing/otlp-receiver';
import { renderWaterfall } from '@fig/testing/trace-waterfall';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The helpers the outbox, the relay and the consumers call (platform/src/tracing), in this
// process, exporting to a real receiver: an event written inside a request's trace carries
// its ids, and the consumer's span, in a trace of its own, links back to the writer.
let receiver: OtlpReceiver;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
  process.env.OTEL_EXPORTER_OTLP_PROTOCOL = 'http/json';
  expect(await startTracing('checkout')).toBe(true);
});
afterAll(async () => {
  await stopTracing();
  await receiver?.close();
});

describe('an event from its writer to its consumer', () => {
  it('links the consumer span to the span that wrote the event, across traces', async () => {
    const event = await withSpan('POST /api/checkout', () =>
      withSpan('outbox.write', () => ({
        event_id: 'evt_1',
        event_type: 'checkout.order_created.v1',
        metadata: currentTraceIds(),
      })),
    );
    expect(event.metadata).toMatchObject({ trace_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
    // Outside any span there are no ids to carry.
    expect(currentTraceIds()).toBeUndefined();

    const consumed = await withSpan('consume checkout.order_created.v1', () => currentTraceIds(), {
      root: true,
      links: [linkFromEventMetadata(event.metadata)!],
    });
    // Logs inside the consumer's span carry its ids.
    const mixin = loggerOptions('checkout', 'info').mixin as () => object;
    const logged = await withSpan('log', () => mixin());
    expect(logged).toMatchObject({ trace_id: expect.any(String), span_id: expect.any(String) });
    expect(mixin()).toEqual({});

    await stopTracing(); // flushes
    const writer = receiver.spans.find((span) => span.name === 'outbox.write')!;
    const consumer = receiver.spans.find((span) => span.name === 'consume checkout.order_created.v1')!;
    console.log(renderWaterfall(receiver.spans.filter((span) => span.traceId === writer.traceId)));
    expect(writer).toMatchObject({ traceId: event.metadata!.trace_id, spanId: event.metadata!.span_id });
    expect(consumer.traceId).toBe(consumed!.trace_id);
    expect(consumer.traceId).not.toBe(writer.traceId);
    expect(consumer.parentSpanId).toBeUndefined();
    expect(consumer.links).toEqual([{ traceId: writer.traceId, spanId: writer.spanId }]);
    expect(writer.parentSpanId).toBe(
      receiver.spans.find((span) => span.name === 'POST /api/checkout')!.spanId,
    );
  });
});
