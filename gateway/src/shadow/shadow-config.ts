import { shadowDefaults, type ShadowLimits } from './shadow-dispatcher.ts';

/** Env vars of shadow traffic and comparison. */
export interface ShadowEnv {
  SHADOW_CONCURRENCY: number;
  SHADOW_QUEUE: number;
  SHADOW_BACKLOG: number;
  SHADOW_MAX_BODY_BYTES: number;
  SHADOW_TIMEOUT_MS: number;
  /** Width of a match-rate-over-time bucket on the dashboard. */
  COMPARISON_BUCKET_SECONDS: number;
}

const integer = (minimum: number, maximum: number, fallback: number) => ({
  type: 'integer',
  minimum,
  maximum,
  default: fallback,
});

export const shadowEnvProperties = {
  SHADOW_CONCURRENCY: integer(1, 1024, shadowDefaults.concurrency),
  SHADOW_QUEUE: integer(0, 100_000, shadowDefaults.queue),
  SHADOW_BACKLOG: integer(1, 100_000, shadowDefaults.backlog),
  SHADOW_MAX_BODY_BYTES: integer(1024, 64 * 1024 * 1024, shadowDefaults.maxBodyBytes),
  SHADOW_TIMEOUT_MS: integer(100, 120_000, shadowDefaults.timeoutMs),
  COMPARISON_BUCKET_SECONDS: integer(1, 3600, 10),
} as const;

export function shadowLimits(env: ShadowEnv): Partial<ShadowLimits> {
  return {
    concurrency: env.SHADOW_CONCURRENCY,
    queue: env.SHADOW_QUEUE,
    backlog: env.SHADOW_BACKLOG,
    maxBodyBytes: env.SHADOW_MAX_BODY_BYTES,
    timeoutMs: env.SHADOW_TIMEOUT_MS,
  };
}
