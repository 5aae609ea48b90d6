import { envInteger } from '@fig/platform';
import { asymmetricAlgorithms, Authenticator } from '@fig/platform/auth/authenticator';
import { createKeyStore } from '@fig/platform/auth/key-store';
import type { ServerLimits } from './hardening/server-options.ts';

/** Env vars of the edge's security concerns: auth, rate limiting, request limits. */
export interface EdgeEnv {
  AUTH_JWKS_URL: string;
  AUTH_JWKS_FILE?: string;
  AUTH_ISSUER?: string;
  AUTH_AUDIENCE?: string;
  AUTH_ALGORITHMS: string;
  AUTH_CLOCK_TOLERANCE_SECONDS: number;
  AUTH_MAX_TOKEN_AGE_SECONDS: number;
  AUTH_MAX_TOKEN_BYTES: number;
  AUTH_TOKEN_CACHE_SIZE: number;
  AUTH_JWKS_TIMEOUT_MS: number;
  AUTH_JWKS_COOLDOWN_MS: number;
  AUTH_JWKS_MAX_AGE_MS: number;
  RATE_LIMIT_FAIL_CLOSED: boolean;
  RATE_LIMIT_REDIS_TIMEOUT_MS: number;
  /** Failed authentications an address may cause per window before its unknown tokens get 429. */
  RATE_LIMIT_AUTH_FAILURES: number;
  RATE_LIMIT_AUTH_FAILURES_WINDOW_SECONDS: number;
  MAX_HEADER_BYTES: number;
  HEADERS_TIMEOUT_MS: number;
  REQUEST_TIMEOUT_MS: number;
}

export const edgeEnvProperties = {
  AUTH_JWKS_FILE: { type: 'string', minLength: 1 },
  AUTH_ALGORITHMS: {
    type: 'string',
    pattern: `^(${asymmetricAlgorithms.join('|')})(,(${asymmetricAlgorithms.join('|')}))*$`,
    default: 'RS256,PS256,ES256,EdDSA',
  },
  AUTH_CLOCK_TOLERANCE_SECONDS: envInteger(0, 300, 30),
  AUTH_MAX_TOKEN_AGE_SECONDS: envInteger(60, 7 * 86400, 86400),
  AUTH_MAX_TOKEN_BYTES: envInteger(256, 16384, 8192),
  AUTH_TOKEN_CACHE_SIZE: envInteger(0, 1_000_000, 10_000),
  AUTH_JWKS_TIMEOUT_MS: envInteger(50, 30_000, 2000),
  AUTH_JWKS_COOLDOWN_MS: envInteger(0, 3_600_000, 10_000),
  AUTH_JWKS_MAX_AGE_MS: envInteger(0, 86_400_000, 600_000),
  RATE_LIMIT_FAIL_CLOSED: { type: 'boolean', default: false },
  RATE_LIMIT_REDIS_TIMEOUT_MS: envInteger(5, 5000, 100),
  RATE_LIMIT_AUTH_FAILURES: envInteger(1, 1_000_000, 30),
  RATE_LIMIT_AUTH_FAILURES_WINDOW_SECONDS: envInteger(1, 86_400, 60),
  MAX_HEADER_BYTES: envInteger(1024, 65536, 16384),
  HEADERS_TIMEOUT_MS: envInteger(100, 120_000, 10_000),
  REQUEST_TIMEOUT_MS: envInteger(100, 600_000, 30_000),
} as const;

export function createAuthenticator(env: EdgeEnv): Authenticator {
  return new Authenticator({
    keys: createKeyStore({
      url: env.AUTH_JWKS_URL,
      file: env.AUTH_JWKS_FILE,
      timeoutMs: env.AUTH_JWKS_TIMEOUT_MS,
      minRefetchMs: env.AUTH_JWKS_COOLDOWN_MS,
      maxAgeMs: env.AUTH_JWKS_MAX_AGE_MS,
    }),
    issuer: env.AUTH_ISSUER,
    audience: env.AUTH_AUDIENCE,
    algorithms: env.AUTH_ALGORITHMS.split(','),
    clockToleranceSec: env.AUTH_CLOCK_TOLERANCE_SECONDS,
    maxTokenAgeSec: env.AUTH_MAX_TOKEN_AGE_SECONDS,
    maxTokenBytes: env.AUTH_MAX_TOKEN_BYTES,
    cacheEntries: env.AUTH_TOKEN_CACHE_SIZE,
  });
}

export function serverLimits(env: EdgeEnv): ServerLimits {
  return {
    maxHeaderBytes: env.MAX_HEADER_BYTES,
    headersTimeoutMs: env.HEADERS_TIMEOUT_MS,
    requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
  };
}
