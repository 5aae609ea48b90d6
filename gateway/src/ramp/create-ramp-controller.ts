import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import type { GatewayConfig } from '../config.ts';
import { createFailFastRedis } from '../fail-fast-redis.ts';
import type { RulesSource } from '../rules-source.ts';
import type { Shadowing } from '../shadow/plugin/shadowing.ts';
import { FileRampStore } from './file-ramp-store.ts';
import { createRampMetrics } from './ramp-metrics.ts';
import { RampController } from './ramp-controller.ts';
import { MemoryRampStore, type RampStore } from './ramp-store.ts';
import { RampWebhook } from './ramp-webhook.ts';
import { RedisRampStore } from './redis-ramp-store.ts';
import { MemoryStepUsers, RedisStepUsers, type StepUsers } from './step-users.ts';

/** The lease outlives this many missed ticks before another replica takes over. */
const leaseTicks = 5;

/** The ramps of a gateway: their store per its config (Redis, a file, memory), metrics and webhook. */
export function createRampController(
  config: Pick<GatewayConfig, 'REDIS_URL' | 'DATA_DIR' | 'RAMP_WEBHOOK_URL' | 'RAMP_TICK_MS'>,
  parts: { rules: RulesSource; shadowing: Shadowing; registry: Registry; log: FastifyBaseLogger },
): { controller: RampController; users: StepUsers } {
  const redis = config.REDIS_URL
    ? createFailFastRedis(config.REDIS_URL, { commandTimeoutMs: 1000 })
    : undefined;
  const store: RampStore = redis
    ? new RedisRampStore(redis, config.RAMP_TICK_MS * leaseTicks)
    : config.DATA_DIR === ':memory:'
      ? new MemoryRampStore()
      : new FileRampStore(config.DATA_DIR);
  const users: StepUsers = redis ? new RedisStepUsers(redis) : new MemoryStepUsers();
  const { rules, shadowing, log } = parts;
  const controller = new RampController({
    rules: rules.current,
    store,
    counters: () => shadowing.snapshot(),
    thresholds: (route) => shadowing.compareOptions(route),
    applyShares: (shares) => rules.applyShares(shares),
    metrics: createRampMetrics(parts.registry),
    users,
    webhook: config.RAMP_WEBHOOK_URL
      ? new RampWebhook(config.RAMP_WEBHOOK_URL, (error, transition) =>
          log.warn({ err: error, transition: transition.id }, 'ramp webhook not delivered'),
        )
      : undefined,
    log,
    tickMs: config.RAMP_TICK_MS,
    onClose: () => redis?.disconnect(),
  });
  return { controller, users };
}
