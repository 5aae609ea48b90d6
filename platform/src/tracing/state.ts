import type { Tracer } from '@opentelemetry/api';

// What startTracing set up, or nothing: every tracing hook in the hot path asks `activeTracer()`
// once and does no more when it is undefined (no endpoint configured, no SDK loaded).
let tracer: Tracer | undefined;
let flush: (() => Promise<void>) | undefined;

/** The process's tracer when an OTLP endpoint is configured and tracing started; else undefined. */
export const activeTracer = (): Tracer | undefined => tracer;

/** Called once by startTracing. */
export function setActiveTracing(active: Tracer, flushAndStop: () => Promise<void>): void {
  tracer = active;
  flush = flushAndStop;
}

/** Sends what is still batched and stops exporting (shutdown); nothing when tracing is off. */
export async function stopTracing(): Promise<void> {
  const pending = flush;
  tracer = undefined;
  flush = undefined;
  await pending?.();
}
