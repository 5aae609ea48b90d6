import type { LoggerOptions } from 'pino';
import { activeTracer } from './tracing/state.ts';
import { traceLogFields } from './tracing/spans.ts';

/**
 * Pino options shared by every deployable: service name on each line, secrets redacted, and
 * with tracing on the active span's `trace_id` and `span_id` (no mixin at all when it is off).
 */
export function loggerOptions(service: string, level: string): LoggerOptions {
  return {
    level,
    base: { service },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["idempotency-key"]'],
      censor: '[redacted]',
    },
    ...(activeTracer() ? { mixin: traceLogFields } : {}),
  };
}
