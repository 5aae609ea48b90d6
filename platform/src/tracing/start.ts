import { createRequire } from 'node:module';
import type { Sampler } from '@opentelemetry/sdk-trace';
import { integerVariable, otlpEndpointConfigured, otlpProtocol, samplerChoice } from './otel-env.ts';
import { activeTracer, setActiveTracing } from './state.ts';

export interface StartTracingOptions {
  /**
   * Spans for outgoing undici requests (pools, `fetch`), seen through undici's diagnostics
   * channels. Off where the deployable makes its client spans itself (the gateway's proxy).
   */
  instrumentUndici?: boolean;
}

/**
 * Starts exporting spans over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` (or the traces
 * one) is set; otherwise loads nothing and returns false, and every tracing hook stays a
 * constant check. Configured only by the standard OTEL_* variables; `service.name` is
 * `defaultService` unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES say otherwise.
 * Call it first in a deployable's main, before its servers are built.
 */
export async function startTracing(
  defaultService: string,
  options: StartTracingOptions = {},
): Promise<boolean> {
  if (activeTracer()) return true;
  if (!otlpEndpointConfigured()) return false;
  // Read before anything is loaded: a wrong variable stops the process at start like any
  // config (EX_CONFIG), before the deployable's own config is even read.
  let settings;
  try {
    settings = {
      protocol: otlpProtocol(),
      choice: samplerChoice(),
      scheduledDelayMillis: integerVariable('OTEL_BSP_SCHEDULE_DELAY'),
      maxQueueSize: integerVariable('OTEL_BSP_MAX_QUEUE_SIZE'),
      maxExportBatchSize: integerVariable('OTEL_BSP_MAX_EXPORT_BATCH_SIZE'),
      exportTimeoutMillis: integerVariable('OTEL_BSP_EXPORT_TIMEOUT'),
    };
  } catch (error) {
    process.stderr.write(`${defaultService}: invalid configuration:\n  - ${(error as Error).message}\n`);
    process.exit(78); // EX_CONFIG
  }
  const { protocol, choice, scheduledDelayMillis, maxQueueSize, maxExportBatchSize, exportTimeoutMillis } =
    settings;

  const [sdk, resources, core, hooks, exporterModule] = await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/core'),
    import('@opentelemetry/context-async-hooks'),
    protocol === 'http/json'
      ? import('@opentelemetry/exporter-trace-otlp-http')
      : import('@opentelemetry/exporter-trace-otlp-proto'),
  ]);

  const ratio = (r: number) => new sdk.TraceIdRatioBasedSampler(r);
  const samplers: Record<SamplerKind, () => Sampler> = {
    always_on: () => new sdk.AlwaysOnSampler(),
    always_off: () => new sdk.AlwaysOffSampler(),
    traceidratio: () => ratio(ratioOf(choice)),
    parentbased_always_on: () => new sdk.ParentBasedSampler({ root: new sdk.AlwaysOnSampler() }),
    parentbased_always_off: () => new sdk.ParentBasedSampler({ root: new sdk.AlwaysOffSampler() }),
    parentbased_traceidratio: () => new sdk.ParentBasedSampler({ root: ratio(ratioOf(choice)) }),
  };
  const resource = resources
    .resourceFromAttributes({ 'service.name': defaultService })
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  const processor = new sdk.BatchSpanProcessor({
    exporter: new exporterModule.OTLPTraceExporter(),
    scheduledDelayMillis,
    maxQueueSize,
    maxExportBatchSize,
    exportTimeoutMillis,
  });
  const provider = new sdk.TracerProvider({
    resource,
    sampler: samplers[choice.kind](),
    spanProcessors: [processor],
  });

  // Registered through the API's CommonJS copy: the one CommonJS libraries (@apollo/gateway)
  // took their tracers from at load, before this ran. The ESM copy reads the same globals.
  const { context, propagation, trace } = createRequire(import.meta.url)(
    '@opentelemetry/api',
  ) as typeof import('@opentelemetry/api');
  context.setGlobalContextManager(new hooks.AsyncLocalStorageContextManager().enable());
  // W3C trace context (traceparent, tracestate): Fig carries no baggage, and every header a
  // propagator reads or writes is work on each request and each call.
  propagation.setGlobalPropagator(new core.W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);

  let stopUndici: (() => void) | undefined;
  if (options.instrumentUndici) {
    const { UndiciInstrumentation } = await import('@opentelemetry/instrumentation-undici');
    // Only calls made for something traced: readiness pings and key refreshes would each be a trace.
    const undici = new UndiciInstrumentation({ requireParentforSpans: true });
    undici.setTracerProvider(provider);
    undici.enable();
    stopUndici = () => undici.disable();
  }
  setActiveTracing(provider.getTracer('@fig/platform'), async () => {
    stopUndici?.();
    await provider.shutdown();
  });
  return true;
}

type SamplerKind = ReturnType<typeof samplerChoice>['kind'];
const ratioOf = (choice: ReturnType<typeof samplerChoice>) => ('ratio' in choice ? choice.ratio : 1);
