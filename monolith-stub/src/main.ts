import { listenersFrom, loadConfigOrExit, serve } from '@fig/platform';
import { startTracing } from '@fig/platform/tracing';
import { buildApp } from './app.ts';
import { duplicateClientIds, type MonolithEnv, monolithEnvSchema } from './config.ts';

await startTracing('monolith', { instrumentUndici: true });
const config = loadConfigOrExit<MonolithEnv>('monolith', monolithEnvSchema);
const duplicates = duplicateClientIds(config.SERVICE_CLIENTS);
if (duplicates.length > 0) {
  process.stderr.write(`monolith: SERVICE_CLIENTS registers ${duplicates.join(', ')} more than once\n`);
  process.exit(78); // EX_CONFIG
}
const app = await buildApp({
  dataDir: config.DATA_DIR,
  logLevel: config.LOG_LEVEL,
  issuer: config.AUTH_ISSUER,
  audience: config.AUTH_AUDIENCE,
  tokenTtlSeconds: config.AUTH_TOKEN_TTL_SECONDS,
  latencyMs: config.LEGACY_LATENCY_MS,
  checkoutLatencyMs: config.LEGACY_CHECKOUT_LATENCY_MS,
  internalToken: config.INTERNAL_TOKEN,
  serviceClients: config.SERVICE_CLIENTS,
  redisUrl: config.REDIS_URL,
  inventoryService: config.INVENTORY_URL
    ? {
        url: config.INVENTORY_URL,
        internalUrl: config.INVENTORY_INTERNAL_URL ?? config.INVENTORY_URL,
        holdSeconds: config.STOCK_HOLD_SECONDS,
        syncIntervalMs: config.STOCK_SYNC_INTERVAL_MS,
      }
    : undefined,
});
await serve(app, listenersFrom(config));
