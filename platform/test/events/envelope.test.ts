import { envelopeProblem, newEvent } from '@fig/platform/events';
import { describe, expect, it } from 'vitest';

describe('the event envelope', () => {
  it('writes envelopes with W3C trace ids, whole or not at all', () => {
    const event = newEvent('test.numbered.v1', { n: 1 });
    expect(envelopeProblem(event)).toBeNull();
    expect(event.event_id).toMatch(/^evt_[0-9a-f]{32}$/);
    expect(event.metadata.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(event.metadata.span_id).toMatch(/^[0-9a-f]{16}$/);
    const given = { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7' };
    expect(newEvent('test.numbered.v1', {}, given).metadata).toEqual(given);
    expect(envelopeProblem({ ...event, metadata: { ...given, trace_id: '0'.repeat(32) } })).toMatch(
      /trace_id/,
    );
    expect(envelopeProblem({ ...event, extra: true })).toMatch(/additional/);
    expect(envelopeProblem({ ...event, event_type: 'Not A Type' })).toMatch(/event_type/);
  });
});
