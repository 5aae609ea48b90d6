import {
  type Attributes,
  context,
  isSpanContextValid,
  type Link,
  type Span,
  SpanStatusCode,
  type SpanOptions,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { activeTracer } from './state.ts';

/**
 * Runs `fn` inside a span named `name` (a child of the active span, or of what
 * `options.links`/`options.root` say), ends it when `fn` settles, and marks it failed when
 * `fn` throws. With tracing off it only calls `fn`.
 */
export async function withSpan<T>(
  name: string,
  fn: (span: Span | undefined) => Promise<T> | T,
  options: SpanOptions = {},
): Promise<T> {
  const tracer = activeTracer();
  if (!tracer) return fn(undefined);
  return tracer.startActiveSpan(name, options, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      failSpan(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Marks a span failed by `error`: the exception event and an ERROR status. */
export function failSpan(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}

/** The active span's ids as an event's `metadata` carries them, or undefined outside a span. */
export function currentTraceIds(): { trace_id: string; span_id: string } | undefined {
  const span = trace.getSpan(context.active());
  if (!span) return undefined;
  const ids = span.spanContext();
  return isSpanContextValid(ids) ? { trace_id: ids.traceId, span_id: ids.spanId } : undefined;
}

const traceIdPattern = /^[0-9a-f]{32}$/;
const spanIdPattern = /^[0-9a-f]{16}$/;

/**
 * A span link to the span that wrote an event (its `metadata.trace_id` and `span_id`), for the
 * relay's publish and a consumer's processing: they are links, not children, since one relay
 * batch or consumer read covers events of many traces. Undefined when the metadata carries no
 * valid ids (an event written outside a trace, or metadata from an untrusted producer).
 */
export function linkFromEventMetadata(metadata: unknown, attributes?: Attributes): Link | undefined {
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const { trace_id: traceId, span_id: spanId } = metadata as Record<string, unknown>;
  if (typeof traceId !== 'string' || typeof spanId !== 'string') return undefined;
  if (!traceIdPattern.test(traceId) || !spanIdPattern.test(spanId)) return undefined;
  const spanContext = { traceId, spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true };
  if (!isSpanContextValid(spanContext)) return undefined; // all zeros
  return { context: spanContext, attributes };
}

/** `trace_id` and `span_id` of the active span, for a log line (the pino mixin); empty outside a span. */
export function traceLogFields(): { trace_id?: string; span_id?: string } {
  return currentTraceIds() ?? {};
}

/** withSpan for synchronous work (a query plan): the span ends when `fn` returns or throws. */
export function withSyncSpan<T>(
  name: string,
  fn: (span: Span | undefined) => T,
  options: SpanOptions = {},
): T {
  const tracer = activeTracer();
  if (!tracer) return fn(undefined);
  return tracer.startActiveSpan(name, options, (span) => {
    try {
      return fn(span);
    } catch (error) {
      failSpan(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Adds attributes to the active span; `attributes` is only called with tracing on. */
export function annotateActiveSpan(attributes: () => Attributes): void {
  if (!activeTracer()) return;
  trace.getActiveSpan()?.setAttributes(attributes());
}
