import type { CompiledUpstream } from '@fig/routing-rules';
import { activeTracer, failSpan, requestSpan } from '@fig/platform/tracing';
import { context, propagation, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * What the sticky split was keyed on: the kind, never the key (a user id or an address).
 * `subject` falls back to the client address for anonymous requests.
 */
function stickyKind(request: FastifyRequest): string {
  const { sticky } = request.fig.route;
  if (sticky === 'subject') return request.fig.subject === undefined ? 'ip' : 'subject';
  return sticky;
}

/**
 * With tracing on, the CLIENT span of one attempt to reach `upstream` (a retry or a fallback
 * is another attempt, so another span), a child of the request's server span, which gets the
 * route's decision as it stands. Its `traceparent` goes into `headers` in place of the
 * client's, so the upstream's spans hang under this attempt. Undefined with tracing off (the
 * client's `traceparent` passes through untouched) and for a request not sampled (the
 * upstream gets the request's own unsampled context, and makes no spans either).
 */
export function startAttemptSpan(
  request: FastifyRequest,
  upstream: CompiledUpstream,
  headers: IncomingHttpHeaders,
): Span | undefined {
  const tracer = activeTracer();
  if (!tracer) return undefined;
  const server = requestSpan(request);
  delete headers.traceparent;
  delete headers.tracestate;
  if (server && !server.isRecording()) {
    // Not sampled: the upstream continues the trace unsampled, under the request's own span.
    propagation.inject(trace.setSpan(context.active(), server), headers);
    return undefined;
  }
  const { route, backend } = request.fig;
  // The decision on the request's span; on each attempt, where it went and why.
  server?.setAttributes({
    'fig.route': route.name,
    'fig.backend': backend!.side,
    'fig.upstream': upstream.name,
    'fig.sticky': stickyKind(request),
  });
  if (backend!.forced) server?.setAttribute('fig.forced', true);
  if (backend!.fallback) server?.setAttribute('fig.fallback', backend!.fallback);
  server?.updateName(`${request.method} ${route.name}`);
  const parent = server ? trace.setSpan(context.active(), server) : context.active();
  const span = tracer.startSpan(
    `${request.method} ${upstream.name}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'fig.backend': backend!.side,
        'fig.upstream': upstream.name,
        'server.address': upstream.url,
        ...(backend!.fallback ? { 'fig.fallback': backend!.fallback } : {}),
      },
    },
    parent,
  );
  propagation.inject(trace.setSpan(parent, span), headers);
  return span;
}

/** Ends an attempt's span: the upstream's status, or the failure that ended the attempt. */
export function endAttemptSpan(span: Span, statusCode: number | undefined, error?: unknown): void {
  if (statusCode !== undefined) {
    span.setAttribute('http.response.status_code', statusCode);
    if (statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  }
  if (error !== undefined) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') span.setAttribute('error.type', code);
    failSpan(span, error);
  }
  span.end();
}
