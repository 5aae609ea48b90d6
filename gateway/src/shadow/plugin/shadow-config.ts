import { envInteger } from '@fig/platform';
import { randomBytes } from 'node:crypto';
import { shadowDefaults, type ShadowLimits } from '../worker/shadow-limits.ts';

/** Env vars of shadow traffic and comparison. */
export interface ShadowEnv {
  SHADOW_CONCURRENCY: number;
  SHADOW_QUEUE: number;
  SHADOW_BACKLOG: number;
  SHADOW_MAX_BODY_BYTES: number;
  SHADOW_TIMEOUT_MS: number;
  /** Width of a match-rate-over-time bucket on the dashboard. */
  COMPARISON_BUCKET_SECONDS: number;
  /** How long example pairs are kept. */
  COMPARISON_EXAMPLE_TTL_SECONDS: number;
  /** Key of the hashes standing in for hidden values; set the same on instances sharing Redis. */
  COMPARISON_HASH_KEY?: string;
}

export const shadowEnvProperties = {
  SHADOW_CONCURRENCY: envInteger(1, 1024, shadowDefaults.concurrency),
  SHADOW_QUEUE: envInteger(0, 100_000, shadowDefaults.queue),
  SHADOW_BACKLOG: envInteger(1, 100_000, shadowDefaults.backlog),
  SHADOW_MAX_BODY_BYTES: envInteger(1024, 64 * 1024 * 1024, shadowDefaults.maxBodyBytes),
  SHADOW_TIMEOUT_MS: envInteger(100, 120_000, shadowDefaults.timeoutMs),
  COMPARISON_BUCKET_SECONDS: envInteger(1, 3600, 10),
  COMPARISON_EXAMPLE_TTL_SECONDS: envInteger(60, 30 * 86_400, shadowDefaults.exampleTtlMs / 1000),
  COMPARISON_HASH_KEY: { type: 'string', minLength: 16 },
} as const;

export function shadowLimits(env: ShadowEnv): Partial<ShadowLimits> {
  return {
    concurrency: env.SHADOW_CONCURRENCY,
    queue: env.SHADOW_QUEUE,
    backlog: env.SHADOW_BACKLOG,
    maxBodyBytes: env.SHADOW_MAX_BODY_BYTES,
    timeoutMs: env.SHADOW_TIMEOUT_MS,
    exampleTtlMs: env.COMPARISON_EXAMPLE_TTL_SECONDS * 1000,
    // One key for the life of the process, so a restarted shadow worker hashes alike.
    hashKey: env.COMPARISON_HASH_KEY ?? randomBytes(32).toString('hex'),
  };
}
