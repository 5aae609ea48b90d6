import {
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { activeTracer } from './state.ts';

const spanKey = Symbol('fig.serverSpan');

const unTraced = new Set(['/health/live', '/health/ready', '/metrics']);

type TracedRequest = FastifyRequest & { [spanKey]: Span | null };

/** The server span of a request (undefined with tracing off, or before the first hook ran). */
export const requestSpan = (request: FastifyRequest): Span | undefined =>
  (request as TracedRequest)[spanKey] ?? undefined;

/**
 * A SERVER span per request, child of the caller's `traceparent`, active for everything the
 * request does after the first hook (handlers, upstream calls, log lines). Register it before
 * any other hook. Does nothing when tracing is off: no hooks are added.
 */
export function traceRequests(app: FastifyInstance): void {
  const tracer = activeTracer();
  if (!tracer) return;
  // Declared up front: a property added to each request later would change its shape.
  app.decorateRequest(spanKey as unknown as string, null);
  app.addHook('onRequest', (request, _reply, done) => {
    // Probes and scrapes every few seconds would bury the requests worth reading.
    if (unTraced.has(request.routeOptions.url ?? '')) return done();
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const route = request.routeOptions.url;
    const span = tracer.startSpan(
      route ? `${request.method} ${route}` : request.method,
      { kind: SpanKind.SERVER },
      parent,
    );
    // Attributes only for a span that is kept: most requests are not sampled, and checking and
    // copying attributes is most of what an unsampled span would cost.
    if (span.isRecording()) {
      const query = request.url.indexOf('?');
      span.setAttribute('http.request.method', request.method);
      span.setAttribute('url.path', query === -1 ? request.url : request.url.slice(0, query));
      if (route) span.setAttribute('http.route', route);
    }
    (request as TracedRequest)[spanKey] = span;
    // The rest of the request runs from here: what it starts inherits the span as active.
    context.with(trace.setSpan(parent, span), done);
  });
  app.addHook('onResponse', (request, reply, done) => {
    const span = requestSpan(request);
    if (span) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    done();
  });
}
