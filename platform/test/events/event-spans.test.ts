import { describe, expect, it } from 'vitest';
import { newEvent } from '../../src/events/index.ts';
import { eventSpanOptions } from '../../src/events/event-spans.ts';
import { activeTracer } from '../../src/tracing/index.ts';

// With no OTLP endpoint nothing starts tracing: the relay and the consumers must then pay
// nothing for spans, not even reading the events' metadata to build links.
describe('event spans with tracing off', () => {
  it('builds no options and reads no event metadata', () => {
    expect(activeTracer()).toBeUndefined();
    const event = newEvent('checkout.order_created.v1', { order_id: 'ord_1' });
    Object.defineProperty(event, 'metadata', {
      get() {
        throw new Error('metadata read with tracing off');
      },
    });
    expect(eventSpanOptions('publish', [event], { 'messaging.batch.message_count': 1 })).toEqual({});
    expect(eventSpanOptions('process', [event], { 'messaging.destination.name': 'x' })).toEqual({});
  });
});
