// The standard OTEL_* variables Fig reads itself. The exporters read their own
// (OTEL_EXPORTER_OTLP_*: endpoint, headers, timeout, compression); the SDK's 3.x line reads none.

/** Tracing is on exactly when an OTLP endpoint is configured. */
export function otlpEndpointConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT);
}

export type OtlpProtocol = 'http/protobuf' | 'http/json';

/** `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, else `OTEL_EXPORTER_OTLP_PROTOCOL`; protobuf by default. */
export function otlpProtocol(env: NodeJS.ProcessEnv = process.env): OtlpProtocol {
  const wanted = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || '').trim();
  if (wanted === '' || wanted === 'http/protobuf') return 'http/protobuf';
  if (wanted === 'http/json') return 'http/json';
  throw new Error(`OTEL_EXPORTER_OTLP_PROTOCOL: ${wanted} is not supported (http/protobuf or http/json)`);
}

export type SamplerChoice =
  | { kind: 'always_on' | 'always_off' | 'parentbased_always_on' | 'parentbased_always_off' }
  | { kind: 'traceidratio' | 'parentbased_traceidratio'; ratio: number };

const samplers = new Set([
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
]);

/**
 * `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG` as the specification defines them:
 * parentbased_always_on by default, a ratio of 1 when the argument is missing or not in [0, 1].
 */
export function samplerChoice(env: NodeJS.ProcessEnv = process.env): SamplerChoice {
  const kind = (env.OTEL_TRACES_SAMPLER || 'parentbased_always_on').trim().toLowerCase();
  if (!samplers.has(kind)) {
    throw new Error(`OTEL_TRACES_SAMPLER: ${kind} is not supported (${[...samplers].join(', ')})`);
  }
  if (kind !== 'traceidratio' && kind !== 'parentbased_traceidratio') {
    return { kind } as SamplerChoice;
  }
  const arg = env.OTEL_TRACES_SAMPLER_ARG?.trim() ?? '';
  const ratio = Number(arg);
  const valid = arg !== '' && ratio >= 0 && ratio <= 1;
  return { kind, ratio: valid ? ratio : 1 };
}

/** A non-negative integer variable (OTEL_BSP_*), or undefined for the SDK's default. */
export function integerVariable(name: string, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name}: ${raw} is not a non-negative integer`);
  return value;
}

const endpoint = { type: 'string', pattern: '^https?://' };
const protocol = { type: 'string', enum: ['http/protobuf', 'http/json'] };
const nonNegative = { type: 'integer', minimum: 0 };

/**
 * The standard OTEL_* variables every deployable honours, in its env schema: validated at start
 * with the rest of its config, and known to the k8s and compose checks.
 */
export const otelEnvProperties = {
  OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint,
  OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: protocol,
  OTEL_EXPORTER_OTLP_HEADERS: { type: 'string' },
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: { type: 'string' },
  OTEL_EXPORTER_OTLP_TIMEOUT: nonNegative,
  OTEL_EXPORTER_OTLP_COMPRESSION: { type: 'string', enum: ['gzip', 'none'] },
  OTEL_TRACES_SAMPLER: { type: 'string', enum: [...samplers] },
  OTEL_TRACES_SAMPLER_ARG: { type: 'number', minimum: 0, maximum: 1 },
  OTEL_SERVICE_NAME: { type: 'string', minLength: 1 },
  OTEL_RESOURCE_ATTRIBUTES: { type: 'string' },
  OTEL_BSP_SCHEDULE_DELAY: nonNegative,
  OTEL_BSP_MAX_QUEUE_SIZE: nonNegative,
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: nonNegative,
  OTEL_BSP_EXPORT_TIMEOUT: nonNegative,
} as const;
