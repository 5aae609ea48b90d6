export { activeTracer, stopTracing } from './state.ts';
export { startTracing, type StartTracingOptions } from './start.ts';
export {
  annotateActiveSpan,
  currentTraceIds,
  failSpan,
  linkFromEventMetadata,
  traceLogFields,
  withSpan,
  withSyncSpan,
} from './spans.ts';
export { requestSpan, traceRequests } from './server-span.ts';
export { otlpEndpointConfigured } from './otel-env.ts';
