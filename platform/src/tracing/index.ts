export { activeTracer, stopTracing } from './state.ts';
export { startTracing, type StartTracingOptions } from './start.ts';
export { currentTraceIds, failSpan, linkFromEventMetadata, traceLogFields, withSpan } from './spans.ts';
export { requestSpan, traceRequests } from './server-span.ts';
export { otlpEndpointConfigured } from './otel-env.ts';
