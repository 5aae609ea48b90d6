import { Ajv, type ErrorObject, type JSONSchemaType } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { otelEnvProperties } from './tracing/otel-env.ts';

// ajv-formats ships CommonJS; under Node's ESM interop its default export is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Env vars every deployable understands; each deployable extends this with its own. */
export const commonEnvProperties = {
  PORT: { type: 'integer', minimum: 0, maximum: 65535 },
  HOST: { type: 'string', default: '127.0.0.1', minLength: 1 },
  LOG_LEVEL: {
    type: 'string',
    enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
  },
  NODE_ENV: { type: 'string', default: 'development' },
  // Tracing (platform/src/tracing): off unless an OTLP endpoint is set.
  ...otelEnvProperties,
} as const;

/** A whole-number env var between `minimum` and `maximum`, `fallback` when unset. */
export const envInteger = (minimum: number, maximum: number, fallback: number) => ({
  type: 'integer',
  minimum,
  maximum,
  default: fallback,
});

export interface CommonEnv {
  PORT: number;
  HOST: string;
  LOG_LEVEL: string;
  NODE_ENV: string;
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

function describe(error: ErrorObject): string {
  const variable = error.instancePath.replace(/^\//, '') || String(error.params.missingProperty ?? '');
  if (error.keyword === 'required') return `${error.params.missingProperty} is required`;
  if (error.keyword === 'enum') return `${variable} must be one of ${error.params.allowedValues.join(', ')}`;
  return `${variable} ${error.message}`;
}

/**
 * Validates the environment against a JSON Schema and returns the typed, defaulted config.
 * Every problem is reported at once, so an operator fixes a deployment in one go.
 * Only the variables the schema names are read, so unrelated env never leaks into config.
 */
export function loadConfig<T>(schema: object, env: NodeJS.ProcessEnv = process.env): T {
  const ajv = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(schema as JSONSchemaType<T>);
  const properties = (schema as { properties?: Record<string, unknown> }).properties ?? {};
  const candidate: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, property] of Object.entries(properties)) {
    const value = env[name];
    // An empty variable means "not set" — the usual shell and compose convention.
    if (value === undefined || value === '') continue;
    if ((property as { contentMediaType?: string }).contentMediaType !== 'application/json') {
      candidate[name] = value;
      continue;
    }
    // A variable holding JSON (a list of clients...) is parsed, then validated like the rest.
    try {
      candidate[name] = JSON.parse(value);
    } catch {
      problems.push(`${name} is not valid JSON`);
    }
  }
  if (!validate(candidate)) problems.push(...(validate.errors ?? []).map(describe));
  if (problems.length > 0) throw new ConfigError(problems);
  return candidate as T;
}

/** Builds a deployable's env schema from the common properties plus its own. */
export function envSchema(defaultPort: number, own: Record<string, object> = {}, required: string[] = []) {
  return {
    type: 'object',
    properties: {
      ...commonEnvProperties,
      PORT: { ...commonEnvProperties.PORT, default: defaultPort },
      ...own,
    },
    required,
  };
}

/** For main.ts: load config or print every problem and exit non-zero. */
export function loadConfigOrExit<T>(name: string, schema: object, env: NodeJS.ProcessEnv = process.env): T {
  try {
    return loadConfig<T>(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${name}: ${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}

/**
 * The internal listener's env (health, metrics, the subgraph, `/internal/*`), for
 * `envSchema(port, { ...internalListenerEnv(3100), ... })`. Loopback by default: in a
 * container it listens on every interface and NetworkPolicies say who may reach it.
 */
export function internalListenerEnv(defaultPort: number) {
  return {
    INTERNAL_PORT: { type: 'integer', minimum: 0, maximum: 65535, default: defaultPort },
    INTERNAL_HOST: { type: 'string', minLength: 1, default: '127.0.0.1' },
  } as const;
}

export interface InternalListenerEnv {
  INTERNAL_PORT: number;
  INTERNAL_HOST: string;
}

/** `serve()`'s listeners from a config with both. */
export function listenersFrom(config: CommonEnv & InternalListenerEnv) {
  return {
    port: config.PORT,
    host: config.HOST,
    internal: { port: config.INTERNAL_PORT, host: config.INTERNAL_HOST },
  };
}
