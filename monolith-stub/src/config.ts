import { type CommonEnv, envSchema } from '@fig/common';

export interface MonolithEnv extends CommonEnv {
  DATA_DIR: string;
  AUTH_ISSUER: string;
  AUTH_AUDIENCE: string;
  AUTH_TOKEN_TTL_SECONDS: number;
  LEGACY_LATENCY_MS: number;
  LEGACY_CHECKOUT_LATENCY_MS: number;
  INTERNAL_TOKEN?: string;
}

export const monolithEnvSchema = envSchema(3000, {
  DATA_DIR: { type: 'string', minLength: 1, default: ':memory:' },
  AUTH_ISSUER: { type: 'string', format: 'uri', default: 'http://127.0.0.1:3000' },
  AUTH_AUDIENCE: { type: 'string', minLength: 1, default: 'fig' },
  AUTH_TOKEN_TTL_SECONDS: { type: 'integer', minimum: 60, maximum: 86_400, default: 3600 },
  // The legacy system is slow on purpose, so a migrated route is visibly faster.
  LEGACY_LATENCY_MS: { type: 'integer', minimum: 0, maximum: 10_000, default: 30 },
  LEGACY_CHECKOUT_LATENCY_MS: { type: 'integer', minimum: 0, maximum: 10_000, default: 120 },
  INTERNAL_TOKEN: { type: 'string', minLength: 16 },
});
