import { type CommonEnv, ConfigError, envSchema, loadConfig } from '@fig/platform';
import { defaultRulesPath } from '@fig/routing-rules/paths';
import { type BoundsEnv, boundsEnvProperties } from './bounds-config.ts';
import { adminEnvProblems, adminEnvRules } from './admin/admin-env.ts';
import { type EdgeEnv, edgeEnvProperties } from './edge-config.ts';
import { type ShadowEnv, shadowEnvProperties } from './shadow/plugin/shadow-config.ts';
import { trustProxyEnvProperty } from '@fig/platform/trust-proxy';

export interface GatewayConfig extends CommonEnv, EdgeEnv, ShadowEnv, BoundsEnv {
  ADMIN_PORT: number;
  ADMIN_HOST: string;
  ADMIN_TOKEN?: string;
  /** Grants `GET /metrics` only, for a scraper that must not read rules or comparisons. */
  METRICS_TOKEN?: string;
  /** Names the admin port answers to besides loopback and ADMIN_HOST (comma-separated). */
  ADMIN_ALLOWED_HOSTS?: string;
  ROUTING_RULES: string;
  REDIS_URL?: string;
  AUTH_JWKS_URL: string;
  AUTH_ISSUER?: string;
  AUTH_AUDIENCE?: string;
  TRUST_PROXY: string;
  /** The token scope that lets a caller force a backend with `x-fig-backend`. */
  FORCE_BACKEND_SCOPE: string;
  /** Where the dashboard links a compared request's trace: a URL with `{trace_id}` (Jaeger, Tempo). */
  TRACE_URL_TEMPLATE?: string;
  /** Where ramp states are kept without Redis (`ramps.json`); `:memory:` keeps them in memory only. */
  DATA_DIR: string;
  /** Each ramp transition is POSTed here as JSON. */
  RAMP_WEBHOOK_URL?: string;
  /** How often ramp states are read and due ramps judged. */
  RAMP_TICK_MS: number;
}

const ownEnvSchema = envSchema(8080, {
  ADMIN_PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 9901 },
  ADMIN_HOST: { type: 'string', default: '127.0.0.1' },
  ADMIN_TOKEN: { type: 'string', minLength: 16 },
  METRICS_TOKEN: { type: 'string', minLength: 16 },
  ADMIN_ALLOWED_HOSTS: { type: 'string' },
  ROUTING_RULES: { type: 'string', minLength: 1, default: defaultRulesPath },
  REDIS_URL: { type: 'string', pattern: '^rediss?://' },
  AUTH_JWKS_URL: { type: 'string', format: 'uri', default: 'http://127.0.0.1:3000/.well-known/jwks.json' },
  AUTH_ISSUER: { type: 'string', minLength: 1 },
  AUTH_AUDIENCE: { type: 'string', minLength: 1 },
  TRUST_PROXY: trustProxyEnvProperty('false'),
  FORCE_BACKEND_SCOPE: { type: 'string', pattern: '^[!#-\\[\\]-~]+$', default: 'fig:route-override' },
  TRACE_URL_TEMPLATE: { type: 'string', pattern: '^https?://[^\\s]*\\{trace_id\\}' },
  DATA_DIR: { type: 'string', minLength: 1, default: ':memory:' },
  RAMP_WEBHOOK_URL: { type: 'string', pattern: '^https?://' },
  RAMP_TICK_MS: { type: 'integer', minimum: 100, maximum: 60000, default: 1000 },
  ...edgeEnvProperties,
  ...shadowEnvProperties,
  ...boundsEnvProperties,
});

/**
 * The gateway's env schema. It carries the admin rules itself, so whatever validates an env
 * with it (the k8s and compose checks too) refuses an admin port open to the network.
 */
export const gatewayEnvSchema = { ...ownEnvSchema, allOf: adminEnvRules };

/**
 * The gateway's config from its env, or a ConfigError with every problem at once. The schema
 * alone can only say "ADMIN_TOKEN is required"; here the admin rules are reported with their
 * reasons instead (and the one a schema cannot express: two different tokens).
 */
export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const reasons = adminEnvProblems(env);
  let config: GatewayConfig | undefined;
  try {
    config = loadConfig<GatewayConfig>(gatewayEnvSchema, env);
  } catch (error) {
    if (!(error instanceof ConfigError) || reasons.length === 0) throw error;
  }
  if (reasons.length === 0) return config!;
  let others: string[] = [];
  try {
    loadConfig(ownEnvSchema, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    others = error.problems;
  }
  throw new ConfigError([...others, ...reasons]);
}
