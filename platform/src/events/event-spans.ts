import { type Link, SpanKind, type SpanOptions } from '@opentelemetry/api';
import { linkFromEventMetadata } from '../tracing/spans.ts';
import { activeTracer } from '../tracing/state.ts';
import type { FigEvent } from './envelope.ts';

/**
 * Span options for the relay's publish of a batch and a consumer's processing of one event:
 * a root span of its own (one batch covers events of many traces, and a consumer runs long
 * after the request that wrote the event), linked to the span that wrote each event. With
 * tracing off nothing is computed: withSpan only calls its function then.
 */
export function eventSpanOptions(
  kind: 'publish' | 'process',
  events: readonly FigEvent[],
  attributes: Record<string, string | number>,
): SpanOptions {
  if (!activeTracer()) return {};
  const links = events
    .map((event) => linkFromEventMetadata(event.metadata, { 'messaging.message.id': event.event_id }))
    .filter((link): link is Link => link !== undefined);
  return {
    root: true,
    kind: kind === 'publish' ? SpanKind.PRODUCER : SpanKind.CONSUMER,
    links,
    attributes: { 'messaging.system': 'redis', 'messaging.operation.type': kind, ...attributes },
  };
}
